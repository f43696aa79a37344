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
}
