import Foundation

/// A connection row as stored: settings in JSON, secrets and tokens sealed.
public struct StoredConnection: Sendable, Equatable {
    public var id: String
    public var team: String
    public var name: String
    public var kind: String
    /// `ConnectionSettings` as JSON (not secret).
    public var settings: Data
    /// The id of the master key that wrapped `wrappedKey`.
    public var keyID: String
    /// The connection's data key, wrapped by the master key.
    public var wrappedKey: Data
    /// `ConnectionSecrets` sealed with the data key.
    public var secrets: Data?
    /// `ConnectionTokens` sealed with the data key; nil when signed out.
    public var tokens: Data?
    public var status: String
    public var statusReason: String?
    public var tokenExpiresAt: Double?
    /// Bumped by every write: the compare-and-swap token of concurrent updates.
    public var version: Int64
    public var createdAt: Double
    public var updatedAt: Double
    public var legacyAgentID: String?
    public var legacyComponentID: String?
    /// Who is refreshing the tokens right now (`host:pid:nonce`), across processes.
    public var leaseOwner: String?
    public var leaseUntil: Double?
}

/// A named secret for `{{KEY(NAME)}}` templates, sealed like connections.
public struct StoredKey: Sendable, Equatable {
    public var team: String
    public var name: String
    public var keyID: String
    public var wrappedKey: Data
    public var value: Data
    public var createdAt: Double
    public var updatedAt: Double
}

/// A person (or a script) who may use a team's vault through `keyflow serve`. Only a hash
/// of the API token is stored.
public struct StoredUser: Sendable, Equatable {
    public var id: String
    public var name: String
    public var team: String
    /// SHA-256 of the API token, hex.
    public var tokenHash: String
    public var createdAt: Double

    public init(id: String, name: String, team: String, tokenHash: String, createdAt: Double) {
        self.id = id
        self.name = name
        self.team = team
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }
}

/// Where the Vault keeps its rows: connections, vault keys, and (for now) users and
/// sessions. Connections and keys are async stores of their own (`ConnectionStore`,
/// `KeyStore`), which a PostgreSQL store implements as well as the SQLite one.
public protocol VaultStore: ConnectionStore, KeyStore, SessionStore {
    func addUser(_ user: StoredUser) throws(VaultError)
    func user(tokenHash: String) throws(VaultError) -> StoredUser?
    func users() throws(VaultError) -> [StoredUser]
    /// Gives a user a new API token (its hash); false when there is no such user.
    func replaceUserToken(id: String, tokenHash: String) throws(VaultError) -> Bool
    /// Removes a user; false when there was none. Their sessions are ended separately.
    func deleteUser(id: String) throws(VaultError) -> Bool
}
