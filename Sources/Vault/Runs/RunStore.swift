import Foundation

/// Where runs wait, are claimed, and are kept after they end. A worker claims the oldest
/// queued run of a team that is under its limit of running runs, renews its lease while it
/// works, and records the ending under its claim token; a run whose lease runs out is put back
/// (or failed, when it had sent a request that is not a GET or HEAD) by `recoverLostRuns`.
/// Every method that reads or changes one run names its team. Implementations throw
/// `VaultError.storage` when the database fails and tell `runEvents` what happened, so that
/// workers and waiters in this process (and, through PostgreSQL's NOTIFY, on other nodes)
/// wake without polling.
public protocol RunStore: Sendable {
    /// Adds a queued run, unless its team already has `maxQueuedPerTeam` runs queued: then
    /// it returns false and adds nothing.
    func enqueueRun(_ run: StoredRun, maxQueuedPerTeam: Int) async throws(VaultError) -> Bool

    /// Claims the oldest queued run whose team has fewer than `claim.maxRunningPerTeam` runs
    /// running (counted across every worker on every node), or nil when there is none. Several
    /// workers claiming at once never get the same run.
    func claimRun(_ claim: RunClaim) async throws(VaultError) -> StoredRun?

    /// Claims up to one run per claim in `claims` (each with its own token), oldest first, by
    /// the same rules as `claimRun`; stops at the first claim that finds nothing.
    func claimRuns(_ claims: [RunClaim]) async throws(VaultError) -> [StoredRun]

    /// The status of the team's run, nil when it has none: the cheap look a waiter takes.
    func runStatus(id: String, team: String) async throws(VaultError) -> RunStatus?

    /// Puts back in the queue the runs claimed by `worker` under any claim other than
    /// `holding`: claims whose answer was lost (the connection dropped after the database had
    /// committed them), which the worker never started. Their attempt is not counted. Only
    /// the worker's own claim loop calls it, between claims, so no claim is in flight.
    func releaseUnheldRuns(worker: String, holding claims: [String]) async throws(VaultError) -> Int

    /// Extends the leases of the runs `worker` holds under `claims`; says which were lost and
    /// which someone asked to cancel.
    func renewLeases(worker: String, claims: [String], until: Double) async throws(VaultError) -> LeaseRenewal

    /// Records, before it is sent, the first request of the run's current attempt that is not
    /// a GET or HEAD. False when the claim is no longer the run's (the request must not go).
    func recordUnsafeRequest(runID: String, claim: String, request: String) async throws(VaultError) -> Bool

    /// Records the run's answer (its sealed result) while it is still running, its Async jobs
    /// still at work, if `claim` still holds it: a synchronous caller gets it at once, and the
    /// ending replaces it. False (nothing written) when the claim is no longer the run's.
    func answerRun(id: String, claim: String, result: Data) async throws(VaultError) -> Bool

    /// The status of the team's run and whether it has its answer, nil when the team has no
    /// such run: what a synchronous caller waits for.
    func runProgress(id: String, team: String) async throws(VaultError) -> RunProgress?

    /// Records how the run ended, if `claim` still holds it; false (nothing written) otherwise.
    func finishRun(id: String, claim: String, ending: RunEnding) async throws(VaultError) -> Bool

    /// Cancels the team's run: a queued one at once, a running one by asking its worker.
    /// Returns the run as it is afterwards, nil when the team has no such run.
    func cancelRun(id: String, team: String, at: Double) async throws(VaultError) -> StoredRun?

    /// The team's run with this id; nil for a missing id and for another team's.
    func run(id: String, team: String) async throws(VaultError) -> StoredRun?

    /// The team's runs, newest first: at most `limit`, created before `before` when given.
    func runs(team: String, limit: Int, before: Double?) async throws(VaultError) -> [StoredRun]

    /// The status of runs by id, any team: what a waiter in this process checks.
    func runStatuses(ids: [String]) async throws(VaultError) -> [String: RunStatus]

    /// Ends or requeues the running runs whose lease ran out before `now`: failed when a
    /// request that is not a GET or HEAD had gone out or when `maxAttempts` claims were made,
    /// cancelled when cancelling was asked for, queued again otherwise.
    func recoverLostRuns(now: Double, maxAttempts: Int) async throws(VaultError) -> RecoveredRuns

    /// Deletes the runs that ended before `time`; returns how many.
    func purgeRuns(finishedBefore time: Double) async throws(VaultError) -> Int

    /// Where this store announces queued, finished and cancelled runs.
    var runEvents: RunEvents { get }

    /// Starts relaying what other processes announce into `runEvents` (PostgreSQL's LISTEN);
    /// does nothing where they cannot announce (SQLite: its workers poll). Idempotent.
    func watchRunEvents()
}

extension RunStore {
    /// One claim after the other (a store that can do them in one transaction does).
    public func claimRuns(_ claims: [RunClaim]) async throws(VaultError) -> [StoredRun] {
        var claimed: [StoredRun] = []
        for claim in claims {
            guard let run = try await claimRun(claim) else { break }
            claimed.append(run)
        }
        return claimed
    }
}
