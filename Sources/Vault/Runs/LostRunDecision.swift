import Foundation

/// What becomes of a run whose worker stopped renewing its lease: the one rule both stores
/// apply, so that SQLite and PostgreSQL recover runs alike.
package enum LostRunDecision: Equatable {
    /// Back to the queue for another attempt.
    case requeue
    /// Ended, with its status, failure code and reason.
    case end(RunStatus, failure: String, reason: String)

    package init(_ run: StoredRun, maxAttempts: Int) {
        if run.cancelRequested {
            self = .end(.cancelled, failure: "cancelled", reason: RunReasons.cancelledWorkerLost)
        } else if let request = run.unsafeRequest {
            // An X post must not go out twice: what may have taken effect is not repeated.
            self = .end(
                .failed, failure: "worker_lost",
                reason: "its worker stopped after sending \(request), which is not a GET or HEAD and may have "
                    + "taken effect; the run is not repeated")
        } else if run.attempts >= maxAttempts {
            self = .end(
                .failed, failure: "attempts_exhausted",
                reason: "its worker stopped \(run.attempts) time\(run.attempts == 1 ? "" : "s") "
                    + "(the limit is \(maxAttempts) attempts)")
        } else {
            self = .requeue
        }
    }
}

/// Reasons the store writes itself.
public enum RunReasons {
    /// A run cancelled before any worker took it.
    public static let cancelledWhileQueued = "cancelled before it started"
    /// A run cancelled while it ran, whose worker then stopped.
    public static let cancelledWorkerLost = "cancelled; its worker had stopped"
}
