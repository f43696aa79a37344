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

/// Where the Vault keeps its rows, split by concern: connections (`ConnectionStore`), vault
/// keys (`KeyStore`) and logins in progress (`LoginStore`), each async with plain values, so
/// a PostgreSQL store implements them as well as the SQLite one.
public protocol VaultStore: ConnectionStore, KeyStore, LoginStore {
}
