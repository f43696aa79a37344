import Foundation
import OAuthCore

/// A connection's status change that operators are told about (the needs-reauth webhook):
/// written to the store's outbox in the same transaction as the change itself, so it is sent
/// once whatever crashes, and by one node. Holds names and the status reason, never a secret.
public struct StatusChange: Sendable, Hashable, Codable {
    /// What kind of change.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The connection turned `needs-reauth`: someone must log in again.
        case needsReauth = "connection.needs_reauth"
        /// It is `ready` again after `needs-reauth` or `error`.
        case recovered = "connection.recovered"
    }

    /// The message id (`msg_` and random characters): the webhook's `webhook-id`, the same on every retry.
    public var id: String
    /// What happened.
    public var type: Kind
    /// The connection's team.
    public var team: String
    /// The connection's id.
    public var connection: String
    /// Its name at the time.
    public var name: String
    /// Its kind (catalog id).
    public var kind: String
    /// Its new status (`ConnectionStatus` raw value).
    public var status: String
    /// The status reason (the provider's words for needs-reauth), shortened.
    public var reason: String?
    /// When the change was written, in seconds since 1970.
    public var at: Double

    /// A change record.
    public init(
        id: String = Self.newID(), type: Kind, team: String, connection: String, name: String, kind: String,
        status: String, reason: String?, at: Double
    ) {
        self.id = id
        self.type = type
        self.team = team
        self.connection = connection
        self.name = name
        self.kind = kind
        self.status = status
        self.reason = reason.map(ConnectionHealth.shortened)
        self.at = at
    }

    /// A new message id.
    public static func newID() -> String { ConnectionID.make(prefix: "msg_") }

    /// The change between a row as read and as written, if it is one that is reported:
    /// into `needs-reauth` from any other status, or back to `ready` from `needs-reauth` or `error`.
    public static func between(_ old: StoredConnection, _ new: StoredConnection) -> StatusChange? {
        let reauth = ConnectionStatus.needsReauth.rawValue
        let type: Kind
        if new.status == reauth && old.status != reauth {
            type = .needsReauth
        } else if new.status == ConnectionStatus.ready.rawValue
            && (old.status == reauth || old.status == ConnectionStatus.error.rawValue)
        {
            type = .recovered
        } else {
            return nil
        }
        return StatusChange(
            type: type, team: new.team, connection: new.id, name: new.name, kind: new.kind, status: new.status,
            reason: new.statusReason, at: new.updatedAt)
    }
}

/// A status change taken from the outbox by one sender, with its lease.
public struct ClaimedStatusChange: Sendable, Hashable {
    /// The change.
    public var change: StatusChange
    /// Attempts so far, this one included.
    public var attempts: Int
    /// The claim token: finishing needs it, so a sender whose lease ran out cannot.
    public var claim: String

    /// A claimed change.
    public init(change: StatusChange, attempts: Int, claim: String) {
        self.change = change
        self.attempts = attempts
        self.claim = claim
    }
}

/// Where an outbox row stands.
public enum StatusChangeState: String, Sendable, Hashable, Codable {
    /// Waiting to be sent (or retried).
    case pending
    /// The receiver answered 2xx.
    case delivered
    /// Every attempt failed; logged and kept for a while.
    case dead
}
