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

/// Where the Vault keeps its rows. Every connection update is a compare-and-swap on
/// `version`, so any store with transactions (SQLite, PostgreSQL) can implement it and
/// several processes can share one vault.
public protocol VaultStore: LoginStore {
    func insert(_ connection: StoredConnection) throws(VaultError)
    func fetch(id: String, team: String) throws(VaultError) -> StoredConnection?
    func list(team: String) throws(VaultError) -> [StoredConnection]
    func fetchLegacy(team: String, agentID: String, componentID: String) throws(VaultError) -> StoredConnection?
    /// Writes `connection` with `version = expectedVersion + 1` if the stored version is still
    /// `expectedVersion`; returns false (and writes nothing) otherwise.
    func replace(_ connection: StoredConnection, expectedVersion: Int64) throws(VaultError) -> Bool
    func delete(id: String, team: String) throws(VaultError) -> Bool
    /// The current version alone: a cheap way to check a cached copy is still current.
    func version(id: String, team: String) throws(VaultError) -> Int64?

    func putKey(_ key: StoredKey) throws(VaultError)
    func fetchKey(team: String, name: String) throws(VaultError) -> StoredKey?
    func listKeys(team: String) throws(VaultError) -> [StoredKey]
    func deleteKey(team: String, name: String) throws(VaultError) -> Bool

    /// The writes made through this store instance in this process (cached credentials check
    /// their version again after each).
    var localWrites: LocalWriteCounter { get }

    /// The master key ids the stored rows were wrapped with.
    func masterKeyIDs() throws(VaultError) -> Set<String>
    /// Re-wraps every data key (connections and vault keys) in one transaction: all or none.
    func rewrapAll(_ rewrap: (_ team: String, _ owner: String, _ wrapped: Data) throws -> (Data, String)) throws(VaultError)
}
