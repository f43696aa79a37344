import Foundation
import Logging
import OAuthCore
import Runtime
import ServiceLifecycle
import Synchronization
import Vault

/// Takes queued runs from the store and executes them, `concurrency` at a time: the same
/// pre-flight, broker and executor as `keyflow run`, with the team's one broker. It wakes when a
/// run is queued (the store's events; PostgreSQL's NOTIFY from other nodes) and polls anyway,
/// renews the leases of the runs it holds, and recovers the runs of workers that stopped.
/// On a graceful shutdown it stops claiming and lets the runs it holds finish.
public final class RunWorker: Service, Sendable {
    let root: Vault
    let runs: any RunStore
    let agents: any AgentStore
    let transport: any HTTPTransport
    let brokers: TeamBrokers
    /// This worker's settings.
    public let configuration: RunWorkerConfiguration
    let logger: Logger
    private let held = HeldRuns()
    private let wake = WakeSignal()
    private let stopping = Atomic<Bool>(false)
    private let claims = Atomic<Int>(0)

    /// A worker for the teams of `root`'s store, sending through `transport`, with `brokers`
    /// (the server's, when it runs in `keyflow serve`, so the API and the runs share them).
    public init(
        root: Vault, runs: any RunStore, agents: any AgentStore, transport: any HTTPTransport,
        brokers: TeamBrokers, configuration: RunWorkerConfiguration, logger: Logger? = nil
    ) {
        self.root = root
        self.runs = runs
        self.agents = agents
        self.transport = transport
        self.brokers = brokers
        self.configuration = configuration
        self.logger =
            logger
            ?? {
                var logger = Logger(label: "keyflow.worker")
                logger.logLevel = KeyflowLogging.level
                return logger
            }()
    }

    /// Runs until a graceful shutdown (or cancellation), then waits for the runs it holds.
    public func run() async throws {
        runs.watchRunEvents()
        let events = runs.runEvents.stream()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.relay(events) }
                group.addTask { await self.maintain() }
                await self.claimLoop()
                while held.count > 0 { await wake.wait(upTo: .milliseconds(100)) }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .releasing)
            self.wake.signal()
        }
    }

    /// How many runs this worker is executing now (`keyflow_runs_running`).
    public var runningCount: Int { held.count }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) || Task.isCancelled }

    // MARK: - Claiming

    private func claimLoop() async {
        // Set when a claim failed: the database may have committed it without the answer
        // reaching this worker (a restart), leaving runs `running` that nobody executes
        // until their lease runs out. They are put back first, before the next claim.
        var mayHaveLostClaims = false
        while !isStopping {
            if mayHaveLostClaims {
                do {
                    let released = try await runs.releaseUnheldRuns(worker: configuration.id, holding: held.claims)
                    if released > 0 { logger.notice("put back \(released) runs whose claim's answer was lost") }
                    mayHaveLostClaims = false
                } catch {
                    await wake.wait(upTo: configuration.pollInterval)
                    continue
                }
            }
            // Every free slot at once: one round trip (one transaction on SQLite) fills them.
            while held.count < configuration.concurrency, !isStopping {
                let now = Self.now
                // At most 32 per round trip, so a worker with a thousand free slots does not
                // build a thousand claims for a queue of one.
                let claims = (0..<min(configuration.concurrency - held.count, 32)).map { _ in
                    RunClaim(
                        worker: configuration.id, token: nextClaimToken(), now: now,
                        leaseUntil: now + SafeNumbers.seconds(of: configuration.lease),
                        maxRunningPerTeam: configuration.limits.maxConcurrentRunsPerTeam)
                }
                let claimed: [StoredRun]
                do { claimed = try await runs.claimRuns(claims) } catch {
                    logger.warning("cannot claim a run: \(error)")
                    mayHaveLostClaims = true
                    break
                }
                for run in claimed { start(run, claim: run.claim ?? "") }
                if claimed.count < claims.count { break }
            }
            await wake.wait(upTo: configuration.pollInterval)
        }
    }

    /// A claim token unique to this claim: the worker's id (host, pid and a random suffix) and
    /// a count. It only has to tell this worker's claims apart from everyone else's.
    private func nextClaimToken() -> String {
        configuration.id + "#" + String(claims.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    private func start(_ run: StoredRun, claim: String) {
        // A run stops at its wall-time limit; one that does not (a step that ignores
        // cancellation) is failed `overdueGrace` later, so that no run stays `running` for ever.
        held.add(
            claim: claim, runID: run.id, deadline: .now + configuration.limits.wallTime + configuration.overdueGrace)
        let task = Task {
            await self.execute(run, claim: claim)
            self.held.remove(claim: claim)
            self.wake.signal()
        }
        held.attach(task, to: claim)
    }

    /// Wakes the claim loop for queued runs, and stops a held run someone cancelled.
    private func relay(_ events: AsyncStream<RunEvents.Event>) async {
        for await event in events {
            switch event {
            case .queued: wake.signal()
            case .cancelRequested(let id): held.stop(runID: id, because: .cancelRequested)
            case .finished, .answered: break
            }
        }
    }

    // MARK: - Leases, recovery, retention

    /// Every third of a lease: renew the held runs' leases, recover lost runs; now and then,
    /// delete the runs older than the retention and the LLMAssistant conversations that expired
    /// (a read never returns an expired one; this frees their rows).
    private func maintain() async {
        let every = configuration.lease / 3
        var lastPurge = Double(0)
        while !Task.isCancelled {
            for (claim, runID) in held.takeOverdue(now: .now) {
                logger.error("run \(runID) did not stop at its wall-time limit; it is failed and let go")
                let ending = RunEnding(
                    status: .failed, failure: "timeout",
                    reason: "the run did not stop at its wall-time limit "
                        + "(\(configuration.limits.wallTime)); its worker gave up on it",
                    result: nil, at: Self.now)
                Task { await self.record(ending, of: runID, claim: claim) }
                wake.signal()
            }
            let claims = held.claims
            do {
                let renewal = try await runs.renewLeases(
                    worker: configuration.id, claims: claims,
                    until: Self.now + SafeNumbers.seconds(of: configuration.lease))
                for claim in renewal.lost { held.stop(claim: claim, because: .leaseLost) }
                for claim in renewal.cancelRequested { held.stop(claim: claim, because: .cancelRequested) }
                let recovered = try await runs.recoverLostRuns(now: Self.now, maxAttempts: configuration.maxAttempts)
                if !recovered.isEmpty {
                    logger.notice(
                        """
                        recovered the runs of a stopped worker: \(recovered.requeued.count) queued again, \
                        \(recovered.failed.count) failed, \(recovered.cancelled.count) cancelled
                        """)
                    wake.signal()
                }
                if Self.now - lastPurge > 60 {
                    lastPurge = Self.now
                    _ = try await runs.purgeRuns(
                        finishedBefore: Self.now - SafeNumbers.seconds(of: configuration.retention))
                    _ = try await root.store.purgeConversations(expiredBy: Self.now)
                }
            } catch {
                logger.warning("cannot renew leases or recover runs: \(error)")
            }
            try? await Task.sleep(for: every)
        }
    }

    // MARK: - Executing

    private func execute(_ run: StoredRun, claim: String) async {
        let vault = root.forTeam(run.team)
        let trace = TraceCollector()
        let began = ContinuousClock.now
        let outcome: Result<RunResult, RunFailure>
        do {
            outcome = .success(
                try await Attribution.with(Attribution(actor: run.startedBy, agent: run.agent, run: run.id)) {
                    try await RunSpans.around(runID: run.id, agent: run.agent, logger: logger) {
                        try await attempt(run, claim: claim, vault: vault, trace: trace)
                    }
                })
        } catch let failure as RunFailure {
            outcome = .failure(failure)
        } catch {
            outcome = .failure(RunFailure("run_failed", String(describing: error)))
        }
        let ending: RunEnding
        switch outcome {
        case .success(let result):
            ending = Self.ending(
                .succeeded, record: RunRecord(output: result.output, trace: TraceJSON.entries(result.trace)),
                of: run, vault: vault)
        case .failure(let failure):
            if held.stopReason(claim: claim) == .leaseLost { return }  // another worker has it now
            let cancelled = held.stopReason(claim: claim) == .cancelRequested || failure.code == "cancelled"
            let code = cancelled ? "cancelled" : failure.code
            var recorded = Self.ending(
                cancelled ? .cancelled : .failed,
                record: RunRecord(
                    output: nil, trace: TraceJSON.entries(trace.entries),
                    error: cancelled ? RunFailure.summary(of: code) : failure.reason),
                of: run, vault: vault)
            recorded.failure = code
            recorded.reason = RunFailure.summary(of: code)
            ending = recorded
        }
        // Not in this task: a cancelled run's task would cancel the write too.
        guard held.holds(claim) else { return }  // overdue: already recorded as failed
        RunSpans.recordDuration(ContinuousClock.now - began, status: ending.status)
        await Task { await self.record(ending, of: run.id, claim: claim) }.value
    }

    /// Executes the run; throws `RunFailure`.
    private func attempt(_ run: StoredRun, claim: String, vault: Vault, trace: TraceCollector) async throws
        -> RunResult
    {
        guard let bytes = try? vault.openRequest(of: run), let request = RunRequest(bytes: bytes) else {
            throw RunFailure("run_failed", "the run's request cannot be read (sealed with another key, or damaged)")
        }
        let stored: StoredAgent?
        do { stored = try await agents.agentRevision(team: run.team, name: run.agent, version: run.agentVersion) } catch
        {
            throw RunFailure("store_unavailable", error.message)
        }
        guard let stored else {
            throw RunFailure("agent_missing", "agent \(run.agent) revision \(run.agentVersion) no longer exists")
        }
        let agent: Agent
        do { agent = try AgentLibrary.parse(Array(stored.body), name: stored.name) } catch {
            throw RunFailure("invalid_agent", error.description)
        }
        let issues = AgentValidator.validate(agent, forRunFrom: request.endpoint)
        guard issues.isEmpty else {
            throw RunFailure("invalid_agent", issues.map(\.description).joined(separator: "; "))
        }
        let limits = configuration.limits
        let session: AgentSession
        do {
            session = try await AgentSession.make(
                agent: agent, broker: brokers.broker(for: vault),
                transport: UnsafeRequestJournal(base: transport, store: runs, runID: run.id, claim: claim),
                login: nil, limits: limits, agents: TeamAgentDirectory(store: agents, team: run.team), name: run.agent)
        } catch let error as PreflightError {
            let message = error.problems.map(\.description).joined(separator: "; ")
            throw RunFailure(error.storeUnavailable ? "store_unavailable" : "preflight", message)
        } catch {
            throw RunFailure("run_failed", String(describing: error))
        }
        var executor = Executor(agent: session.prepared)
        executor.limits = limits
        executor.limits.wallTime = min(limits.wallTime, request.timeout)
        // A Result, not a return from inside the do: Swift 6.3.1 crashes compiling a return
        // from a typed-throws call whose catch throws another type.
        let result: Result<RunResult, RunError>
        do {
            result = .success(
                try await executor.run(
                    endpoint: request.endpoint, inputs: request.inputs, context: session.environment,
                    observer: { entry in trace.append(entry) },
                    answered: { answer in
                        // Async jobs still run: the answer is recorded now, for a caller waiting on it.
                        guard answer.runningJobs > 0 else { return }
                        let record = RunRecord(output: answer.output, trace: TraceJSON.entries(trace.entries))
                        guard let sealed = try? vault.sealResult(record.bytes, of: run) else { return }
                        Task { [runs = self.runs, logger = self.logger] in
                            do { _ = try await runs.answerRun(id: run.id, claim: claim, result: sealed) } catch {
                                logger.notice("run \(run.id): its answer was not recorded before its end: \(error)")
                            }
                        }
                    }))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw RunFailure(error)
        }
    }

    private static func ending(_ status: RunStatus, record: RunRecord, of run: StoredRun, vault: Vault) -> RunEnding {
        RunEnding(status: status, result: try? vault.sealResult(record.bytes, of: run), at: now)
    }

    /// Writes the ending, retrying while the store is unreachable (a restart): the run is held
    /// (its lease renewed) meanwhile, so nobody takes it over. Gives up when the claim is no
    /// longer this worker's, or after two minutes; then the run's lease runs out and recovery
    /// decides.
    private func record(_ ending: RunEnding, of runID: String, claim: String) async {
        var delay = Duration.milliseconds(100)
        let giveUp = ContinuousClock.now + .seconds(120)
        while true {
            do {
                if try await runs.finishRun(id: runID, claim: claim, ending: ending) {
                    logger.debug("run \(runID): \(ending.status.rawValue)")
                } else {
                    logger.notice("run \(runID): no longer held by this worker; its ending was not recorded")
                }
                return
            } catch {
                guard ContinuousClock.now < giveUp, held.stopReason(claim: claim) != .leaseLost else {
                    logger.error("run \(runID): cannot record its ending: \(error)")
                    return
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    static var now: Double { Date().timeIntervalSince1970 }
}

/// The trace entries of a run as they arrive, so that a failed run keeps what it did.
final class TraceCollector: Sendable {
    private let collected = Mutex<[TraceEntry]>([])

    func append(_ entry: TraceEntry) { collected.withLock { $0.append(entry) } }
    var entries: [TraceEntry] { collected.withLock { $0 } }
}
