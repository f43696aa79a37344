import Foundation

/// Connection health (`connection_health`): one row per connection, upserted in batches by
/// `HealthRecorder`, removed with the connection (in the delete's transaction). Reads return
/// rows of existing connections only.
public protocol HealthStore: Sendable {
    /// Upserts each row in one transaction: every time keeps the newer value (see
    /// `ConnectionHealth.merge`). Rows of connections that no longer exist are skipped.
    func recordHealth(_ rows: [ConnectionHealth]) async throws(VaultError)
    /// The team's health rows.
    func health(team: String) async throws(VaultError) -> [ConnectionHealth]
    /// Ready connections with tokens, of every team, whose access token expires before
    /// `expiringBefore`, or whose tokens were last refreshed (or, never recorded, whose row last
    /// changed) before `idleBefore`; 0 turns a condition off. Soonest expiry first.
    func refreshCandidates(expiringBefore: Double, idleBefore: Double, limit: Int) async throws(VaultError)
        -> [RefreshCandidate]
}

/// The outbox of status changes (`status_outbox`): rows are written by `replace(_:expectedVersion:outbox:)`
/// in the transaction of the change; senders claim them with a lease, so one node sends each.
public protocol StatusOutboxStore: Sendable {
    /// Up to `limit` pending changes due at `now` (created after `createdAfter`, not leased by
    /// anyone), leased to `owner` until `leaseUntil`, their attempt counted; oldest first.
    func claimStatusChanges(owner: String, now: Double, leaseUntil: Double, createdAfter: Double, limit: Int)
        async throws(VaultError) -> [ClaimedStatusChange]
    /// Ends an attempt of a claimed change: `delivered`, `dead`, or `pending` again at
    /// `nextAttemptAt`. False when the claim is no longer held (its lease ran out and another took it).
    func finishStatusChange(
        id: String, claim: String, state: StatusChangeState, nextAttemptAt: Double, error: String?, at: Double
    ) async throws(VaultError) -> Bool
    /// Every outbox row of `team`, oldest first, with its state and attempts (for tests and `db` tools).
    func statusChanges(team: String) async throws(VaultError) -> [StatusOutboxEntry]
}

/// One outbox row as stored.
public struct StatusOutboxEntry: Sendable, Hashable {
    /// The change to send.
    public var change: StatusChange
    /// Where it stands.
    public var state: StatusChangeState
    /// Attempts made.
    public var attempts: Int
    /// The last attempt's failure (an HTTP status or a transport error), if any.
    public var lastError: String?

    /// An outbox row.
    public init(change: StatusChange, state: StatusChangeState, attempts: Int, lastError: String?) {
        self.change = change
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
    }
}

/// How long outbox rows are kept: written whether or not a webhook is configured (a change made
/// by a CLI command is sent by whichever `serve` has one); senders send only rows younger than
/// `sendWithin`, and every new row's transaction deletes rows older than `keep`.
public enum StatusOutbox {
    /// Rows older than this are not sent any more (a webhook configured later does not replay old news).
    public static let sendWithin: Double = 24 * 3600
    /// Rows older than this are deleted when a new one is written.
    public static let keep: Double = 7 * 24 * 3600
}
