import Foundation

/// A connection row as stored: settings in JSON, secrets and tokens sealed.
public struct StoredConnection: Sendable, Equatable {
    /// The connection's id (`kc_…`).
    public var id: String
    /// The team that owns it.
    public var team: String
    /// The name people see.
    public var name: String
    /// The kind's catalog id.
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
    /// `ConnectionStatus` as text.
    public var status: String
    /// Why the status is what it is (a provider's error), if known.
    public var statusReason: String?
    /// When the access token expires (seconds since 1970), if it does.
    public var tokenExpiresAt: Double?
    /// Bumped by every write: the compare-and-swap token of concurrent updates.
    public var version: Int64
    /// When the row was created (seconds since 1970).
    public var createdAt: Double
    /// When the row last changed (seconds since 1970).
    public var updatedAt: Double
    /// For a Legacy connection: the agent whose inline section it came from.
    public var legacyAgentID: String?
    /// For a Legacy connection: the component whose inline section it came from.
    public var legacyComponentID: String?
    /// Who is refreshing the tokens right now (`host:pid:nonce`), across processes.
    public var leaseOwner: String?
    /// When the refresh lease ends (seconds since 1970).
    public var leaseUntil: Double?

    /// A connection row as a store reads it.
    public init(
        id: String, team: String, name: String, kind: String, settings: Data, keyID: String, wrappedKey: Data,
        secrets: Data?, tokens: Data?, status: String, statusReason: String?, tokenExpiresAt: Double?, version: Int64,
        createdAt: Double, updatedAt: Double, legacyAgentID: String?, legacyComponentID: String?, leaseOwner: String?,
        leaseUntil: Double?
    ) {
        self.id = id
        self.team = team
        self.name = name
        self.kind = kind
        self.settings = settings
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.secrets = secrets
        self.tokens = tokens
        self.status = status
        self.statusReason = statusReason
        self.tokenExpiresAt = tokenExpiresAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.legacyAgentID = legacyAgentID
        self.legacyComponentID = legacyComponentID
        self.leaseOwner = leaseOwner
        self.leaseUntil = leaseUntil
    }
}
