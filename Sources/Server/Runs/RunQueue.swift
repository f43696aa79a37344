import Foundation
import Hummingbird
import Runtime
import Vault

/// How the API and the pages put runs in the queue, wait for them, cancel them and show them.
/// A run is queued with the agent's current revision (a later save does not change what it
/// runs), its request sealed; any worker on any node may take it.
public struct RunQueue: Sendable {
    let store: any RunStore
    let library: AgentLibrary
    /// A team with this many runs waiting gets 429 for the next one: one team cannot fill the queue.
    let maxQueuedPerTeam: Int
    /// How long a waiter sleeps between looks at the store when no event wakes it (a run
    /// finished by a worker that cannot notify, such as another process on a SQLite file).
    let pollInterval: Duration

    /// A queue over `store`, for the agents of `library`.
    public init(
        store: any RunStore, library: AgentLibrary, maxQueuedPerTeam: Int = RunQueue.defaultMaxQueued,
        pollInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.library = library
        self.maxQueuedPerTeam = maxQueuedPerTeam
        self.pollInterval = pollInterval
        store.watchRunEvents()
    }

    /// The default of `--max-queued-runs`.
    public static let defaultMaxQueued = 100

    /// Queues a run of the team's agent `name`; an agent that does not validate is refused
    /// here, before it takes a place in the queue.
    func enqueue(_ name: String?, vault: Vault, startedBy: String, request: RunRequest) async throws -> StoredRun {
        let stored = try await library.stored(name, team: vault.team)
        let issues = AgentValidator.validate(try AgentLibrary.agent(from: stored), forRunFrom: request.endpoint)
        guard issues.isEmpty else {
            throw APIError(.unprocessableContent, "invalid_agent", issues.map(\.description).joined(separator: "; "))
        }
        let run = try vault.newRun(
            agent: stored.name, agentVersion: stored.version, startedBy: startedBy, request: request.bytes,
            at: Date().timeIntervalSince1970)
        guard try await store.enqueueRun(run, maxQueuedPerTeam: maxQueuedPerTeam) else {
            throw APIError(
                .tooManyRequests, "too_many_runs",
                "the team already has \(maxQueuedPerTeam) runs waiting in the queue, its limit on this server "
                    + "(--max-queued-runs); try again when some have started")
        }
        return run
    }

    /// Waits until the run has its answer (it ended, or its flow answered while Async jobs go
    /// on) or `timeout` has passed; returns it as it is then.
    func wait(for run: StoredRun, timeout: Duration) async throws -> StoredRun {
        let deadline = ContinuousClock.now + timeout
        var latest = run
        // The event wakes the waiter at once; the looks at the store in between (for a run
        // ended where no event reaches this process) start often and slow down to `pollInterval`,
        // so a thousand waiters do not read the store a thousand times a tick.
        var interval = min(pollInterval, .milliseconds(50))
        while !latest.status.isFinished && latest.result == nil {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            // A look reads the status alone; the whole row once, at the end.
            var ended = false
            try await store.runEvents.waitForFinish(of: run.id, timeout: min(left, interval)) {
                guard let progress = try await store.runProgress(id: run.id, team: run.team) else {
                    throw APIError(.notFound, "not_found", "run \(run.id) does not exist")
                }
                ended = progress.status.isFinished || progress.answered
                return ended
            }
            if ended { break }  // else woken by the event or the interval: the next check looks
            interval = min(interval * 2, pollInterval)
        }
        if let current = try await store.run(id: run.id, team: run.team) { latest = current }
        return latest
    }

    /// Queues a run and waits for it, the way the synchronous run endpoint works: its output
    /// and trace when it succeeds, the failure as an `APIError` otherwise.
    func runAndWait(_ name: String?, vault: Vault, startedBy: String, request: RunRequest) async throws
        -> (run: StoredRun, record: RunRecord)
    {
        let (run, record) = try await runUntilDone(name, vault: vault, startedBy: startedBy, request: request)
        guard run.status == .succeeded || run.status == .running else {
            let code = run.failure ?? "run_failed"
            throw APIError(
                RunFailure.status(of: code), code, record?.error ?? run.reason ?? "the run \(run.status.rawValue)")
        }
        return (run, record ?? RunRecord(output: nil, trace: []))
    }

    /// Queues a run and waits until it has ended or answered, however it went: the run and its
    /// record (nil when it kept none), so that the agents page can show a failed run's trace too.
    /// A run not finished in time is cancelled (a caller that gave up should not see it run later).
    func runUntilDone(_ name: String?, vault: Vault, startedBy: String, request: RunRequest) async throws
        -> (run: StoredRun, record: RunRecord?)
    {
        let queued = try await enqueue(name, vault: vault, startedBy: startedBy, request: request)
        // The worker's wall-time limit starts when it claims the run; a little longer here
        // lets a run that waited briefly in the queue still answer.
        let run = try await wait(for: queued, timeout: request.timeout + .seconds(5))
        // A running run with a result has answered: its Async jobs go on, and its row says how they end.
        if run.status == .running, let record = try vault.openResult(of: run).flatMap(RunRecord.init(bytes:)) {
            return (run, record)
        }
        if !run.status.isFinished {
            _ = try await store.cancelRun(id: run.id, team: run.team, at: Date().timeIntervalSince1970)
            throw APIError(
                .gatewayTimeout, "timeout",
                "run \(run.id) did not finish within \(Int(SafeNumbers.seconds(of: request.timeout))) s "
                    + "(it was \(run.status.rawValue)); it has been cancelled")
        }
        return (run, try vault.openResult(of: run).flatMap(RunRecord.init(bytes:)))
    }

    /// The team's run, or 404 (another team's run looks exactly like a missing one).
    func run(_ id: String?, team: String) async throws -> StoredRun {
        guard let id, RunSeal.isWellFormed(id), let run = try await store.run(id: id, team: team) else {
            throw APIError(.notFound, "not_found", "run \(id ?? "") does not exist")
        }
        return run
    }

    /// The team's runs, newest first.
    func runs(team: String, limit: Int, before: Double?) async throws -> [StoredRun] {
        try await store.runs(team: team, limit: limit, before: before)
    }

    /// Cancels the team's run; 404 when it has no such run.
    func cancel(_ id: String?, team: String) async throws -> StoredRun {
        let run = try await run(id, team: team)
        guard let cancelled = try await store.cancelRun(id: run.id, team: team, at: Date().timeIntervalSince1970)
        else {
            throw APIError(.notFound, "not_found", "run \(run.id) does not exist")
        }
        return cancelled
    }

    /// A run as the API shows it; with `vault`, also its opened output and trace.
    static func json(_ run: StoredRun, vault: Vault? = nil) throws -> JSONValue {
        var object = JSONObject([
            ("id", .string(run.id)), ("agent", .string(run.agent)),
            ("agent_version", .number(Double(run.agentVersion))), ("status", .string(run.status.rawValue)),
            ("started_by", .string(run.startedBy)), ("attempts", .number(Double(run.attempts))),
            ("worker", run.worker.map(JSONValue.string) ?? .null),
            ("created_at", .number(run.createdAt.rounded())),
            ("started_at", run.startedAt.map { .number($0.rounded()) } ?? .null),
            ("finished_at", run.finishedAt.map { .number($0.rounded()) } ?? .null),
            ("cancel_requested", .bool(run.cancelRequested)),
            (
                "failure",
                run.failure.map {
                    .object(JSONObject([("code", .string($0)), ("message", .string(run.reason ?? ""))]))
                } ?? .null
            ),
        ])
        if let vault {
            let record = try vault.openResult(of: run).flatMap(RunRecord.init(bytes:))
            object["output"] = record?.output ?? .null
            object["trace"] = .array(record?.trace ?? [])
            // The failure in full, from the sealed record (the listing has only its summary).
            if let code = run.failure, let error = record?.error {
                object["failure"] = .object(JSONObject([("code", .string(code)), ("message", .string(error))]))
            }
        }
        return .object(object)
    }
}
