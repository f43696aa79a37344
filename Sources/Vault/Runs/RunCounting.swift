/// A run store that can say how many runs are waiting across every team: what `keyflow
/// serve`'s `/metrics` shows as `keyflow_runs_queued`. One query on the queue's index every few
/// seconds, never per request. (Running runs are counted by each worker, from the runs it holds.)
public protocol RunCounting: Sendable {
    /// How many runs are queued, in every team.
    func countQueuedRuns() async throws(VaultError) -> Int
}
