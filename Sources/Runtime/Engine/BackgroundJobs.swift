import Foundation
import Synchronization

/// The jobs an `Async` component started in one run: each job runs the branch behind the
/// Async's outputs while the rest of the run goes on, and an `Await` reads their status and
/// results by job id. Jobs belong to their run, so a job id from another run (another team's
/// included) is an unknown job here, never someone else's result.
///
/// The run's task runs the jobs as its children (the executor takes them from `launches`):
/// the run's wall time, cancellation and limits cover them, and the run ends when its main
/// flow and every job have ended.
final class BackgroundJobs: Sendable {
    enum Status: String, Sendable {
        case pending, done, failed
    }

    struct Job: Sendable {
        var status: Status
        var output: JSONValue?
        var error: String?
    }

    /// A job for the run's task to start.
    struct Launch: Sendable {
        let work: @Sendable () async -> Void
    }

    private struct State {
        var jobs: [String: Job] = [:]
        var active = 0
        var mainEnded = false
    }

    private let state = Mutex(State())
    private let nested = Mutex<[TraceEntry]>([])
    /// Jobs to start, in the order Async components started them; it ends when the main flow
    /// has ended and no job is left (or the main flow failed: then the jobs are cancelled).
    let launches: AsyncStream<Launch>
    private let continuation: AsyncStream<Launch>.Continuation

    init() {
        (launches, continuation) = AsyncStream.makeStream(of: Launch.self)
    }

    /// Registers a pending job under `id` and hands `work` to the run's task.
    func start(id: String, work: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            state.jobs[id] = Job(status: .pending)
            state.active += 1
        }
        continuation.yield(Launch(work: work))
    }

    /// Records how the job `id` ended.
    func finish(id: String, status: Status, output: JSONValue?, error: String?) {
        let last = state.withLock { state -> Bool in
            state.jobs[id] = Job(status: status, output: output, error: error)
            state.active -= 1
            return state.active == 0 && state.mainEnded
        }
        if last { continuation.finish() }
    }

    /// The main flow has ended: the run waits for the jobs still running, unless it `failed`.
    func mainEnded(failed: Bool) {
        let last = state.withLock { state -> Bool in
            state.mainEnded = true
            return state.active == 0
        }
        if last || failed { continuation.finish() }
    }

    /// Adds what ran in a job or a called agent to the run's trace.
    func appendTrace(_ entries: [TraceEntry]) {
        nested.withLock { $0 += entries }
    }

    /// What ran in jobs and called agents, in the order each of them ended.
    var nestedTrace: [TraceEntry] { nested.withLock { $0 } }

    /// How many jobs have started and not ended.
    var running: Int { state.withLock { $0.active } }

    /// The job `id` as it is now; nil for an id this run never started.
    func job(_ id: String) -> Job? {
        state.withLock { $0.jobs[id] }
    }

    /// Waits until none of `ids` is pending, or `count` of them have ended, or `timeout` has
    /// passed. A job that is not this run's counts as ended (it never will be pending).
    /// Polls: an Await waits on a handful of jobs, and a 50 ms poll costs nothing next to
    /// the branches it waits for, where a waiter list would need its own cancellation.
    func wait(for ids: [String], count: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let ended = state.withLock { state in ids.filter { state.jobs[$0]?.status != .pending }.count }
            if ended == ids.count || ended >= count { return }
            let now = ContinuousClock.now
            if now >= deadline { return }
            try await Task.sleep(for: min(.milliseconds(50), deadline - now))
        }
    }
}
