import Foundation

/// One thing that happened in a team's vault, as the audit trail, connection health and
/// metrics see it: a credential used, a connection changed, a user signed in. Flat, so one
/// record type serves the store, the CLI and the API. It never holds a secret or a value:
/// an edit names the fields it changed, a use names the origin and path without the query.
public struct VaultEvent: Sendable, Hashable, Codable {
    /// What happened.
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        /// A credential was put on a request and the request was sent (or failed to be).
        case credentialUse = "credential.use"
        /// A connection was created.
        case connectionCreate = "connection.create"
        /// A connection's name, kind, settings or secrets changed (`detail` names the fields).
        case connectionEdit = "connection.edit"
        /// A login finished and the tokens were stored.
        case connectionAuthenticate = "connection.authenticate"
        /// A token was refreshed (or a client-credentials token fetched).
        case connectionRefresh = "connection.refresh"
        /// A refresh failed (`detail` says why).
        case connectionRefreshFailed = "connection.refresh_failed"
        /// Signed out: tokens (or an API key) dropped.
        case connectionSignOut = "connection.sign_out"
        /// Copied into a new connection (`detail` is the source's id).
        case connectionDuplicate = "connection.duplicate"
        /// Deleted.
        case connectionRemove = "connection.remove"
        /// The connection's status changed (`detail`: `OLD -> NEW: reason`).
        case connectionStatus = "connection.status"
        /// A vault key (a `{{KEY()}}` value) was set or removed (`detail` says which).
        case vaultKeyChange = "vault_key.change"
        /// The master key was rotated and every data key re-wrapped.
        case masterKeyRotate = "master_key.rotate"
        /// A user signed in to `keyflow serve`.
        case signIn = "user.sign_in"
    }

    /// What happened.
    public var action: Action
    /// The team whose vault it happened in.
    public var team: String
    /// When, in seconds since 1970.
    public var at: Double
    /// Who, which agent, component and run (from the `ServiceContext` at the time).
    public var attribution: Attribution
    /// The connection concerned, if any.
    public var connection: String?
    /// The connection's name at the time.
    public var connectionName: String?
    /// For a use: the request's method.
    public var method: String?
    /// For a use: scheme, host and port.
    public var origin: String?
    /// For a use: the path, never the query.
    public var path: String?
    /// For a use: the HTTP status of the final response; nil when none came.
    public var status: Int?
    /// Whether it worked.
    public var succeeded: Bool
    /// Fields changed, a failure's reason (masked), a duplicate's source; never a secret.
    public var detail: String?

    /// An event with the current task's attribution.
    public init(
        _ action: Action, team: String, at: Double, attribution: Attribution = .current, connection: String? = nil,
        connectionName: String? = nil, method: String? = nil, origin: String? = nil, path: String? = nil,
        status: Int? = nil, succeeded: Bool = true, detail: String? = nil
    ) {
        self.action = action
        self.team = team
        self.at = at
        self.attribution = attribution
        self.connection = connection
        self.connectionName = connectionName
        self.method = method
        self.origin = origin
        self.path = path
        self.status = status
        self.succeeded = succeeded
        self.detail = detail
    }
}
