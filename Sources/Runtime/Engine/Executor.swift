import Foundation
import OAuthCore
import Vault

/// Runs an agent: starting at one APIEndpoint, a component runs as soon as its required
/// inputs have arrived, independent branches run concurrently, a failure goes to the
/// component's `_error` output when it has one (and fails the run otherwise), and the run
/// ends when an APIOutput has produced the result or nothing else can run. A ForEach runs
/// the branch behind its `Loop` output once per item and collects the branch's results.
public struct Executor: Sendable {
    /// The agent this executor runs.
    public let agent: PreparedAgent
    /// The longest a component may run; a component's own `timeout` setting wins.
    public var componentTimeout: Duration = .seconds(120)
    /// What one run may use: wall time, component executions, ForEach items, sleep, response bytes.
    public var limits: RunLimits = .defaults

    /// An executor of `agent` with the default timeout and limits.
    public init(agent: PreparedAgent) {
        self.agent = agent
    }

    /// Runs from the endpoint named `endpoint` (or the only one) with `inputs`, within `limits`.
    /// `answered` hears the result as soon as the agent's flow has it, while Async jobs may
    /// still be running (the run, and this call, end when they have).
    public func run(
        endpoint: String?, inputs: JSONObject, context: RunEnvironment,
        observer: (@Sendable (TraceEntry) -> Void)? = nil, answered: (@Sendable (Answer) -> Void)? = nil
    ) async throws(RunError) -> RunResult {
        let start = try agent.endpoint(named: endpoint)
        let budget = RunBudget(limits: limits)
        let redactor = VaultValueRedactor()
        var environment = context
        let lookup = context.keys
        // Every vault value the run renders is remembered, so that what the run hands back
        // (trace, errors, result) can be scrubbed of it.
        environment.keys = { name in
            let value = try lookup(name)
            if let value { redactor.record(value) }
            return value
        }
        let clock = ContinuousClock()
        let jobs = BackgroundJobs()
        let run = Run(
            executor: self, environment: environment, observer: observer, clock: clock, started: clock.now,
            budget: budget, redactor: redactor, jobs: jobs, scope: nil,
            callers: [context.agents?.root ?? AgentInspection.agentID(of: agent.agent)])
        let initial = [(start, inputs.reduce(into: [String: JSONValue]()) { $0[$1.key] = $1.value })]
        let wallTime = min(limits.wallTime, RunLimits.longestDuration)
        let race: WallClockRace = await withTaskGroup(of: WallClockRace.self) { group in
            group.addTask { await run.mainFlowAndJobs(from: initial, answered: answered) }
            group.addTask {
                do { try await Task.sleep(for: wallTime) } catch { return .timerCancelled }
                // Read now: once the run is cancelled, nothing is running any more.
                return .timedOut(running: budget.running)
            }
            while let next = await group.next() {
                if case .timerCancelled = next { continue }
                group.cancelAll()
                return next
            }
            return .timerCancelled
        }
        switch race {
        case .timedOut(let running):
            throw redactor.redact(
                RunError.limitExceeded(
                    limit: .wallTime, componentID: running.first,
                    message:
                        "the run took longer than its limit of \(RunBudget.describe(SafeNumbers.seconds(of: wallTime))) s "
                        + "(\(RunLimit.wallTime.flag))"
                        + (running.isEmpty ? "" : "; still running: \(running.joined(separator: ", "))")))
        case .timerCancelled:
            throw .cancelled
        case .finished(let outcome, let lastOutputs):
            switch outcome.ending {
            case .failed(let error): throw redactor.redact(error)
            case .output(let output):
                return RunResult(output: redactor.redact(output), trace: outcome.trace + jobs.nestedTrace)
            case .quiet:
                guard let lastOutputs else { throw .cancelled }
                return RunResult(output: redactor.redact(lastOutputs), trace: outcome.trace + jobs.nestedTrace)
            }
        }
    }

    /// The result of a run's flow, before its Async jobs have ended.
    public struct Answer: Sendable {
        /// The result, as the run will return it.
        public let output: JSONValue
        /// How many jobs were still running.
        public let runningJobs: Int
    }

    /// Which came first: the run's end or its wall-time limit.
    enum WallClockRace: Sendable {
        case finished(Run.Outcome, lastOutputs: JSONValue?)
        /// The wall-time limit came first; `running` are the components that were running then.
        case timedOut(running: [String])
        /// The timer was cancelled: the run itself was (Ctrl-C, a caller's timeout).
        case timerCancelled
    }

    struct Finished: Sendable {
        let component: Component
        let inputs: [String: JSONValue]
        let result: Result<[String: JSONValue], any Error>
        let duration: Duration
        let startedAt: Duration
    }

    /// Runs `body`, failing with a `ComponentError` when it takes longer than `timeout`.
    public static func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ComponentError(message: "timed out after \(timeout.components.seconds) s")
            }
            return value
        }
    }
}

/// One run in progress: drives a `RunState` until it is quiet, an APIOutput answered, or a
/// component failed without an error branch. ForEach bodies are driven by nested calls.
struct Run: Sendable {
    let executor: Executor
    let environment: RunEnvironment
    let observer: (@Sendable (TraceEntry) -> Void)?
    let clock: ContinuousClock
    let started: ContinuousClock.Instant
    let budget: RunBudget
    let redactor: VaultValueRedactor
    /// The jobs of the whole run, and the trace of what ran outside its main flow.
    let jobs: BackgroundJobs
    /// Where this part of the run happens, for the trace: nil in the agent's own flow.
    let scope: String?
    /// The agents on the way here, the run's own first: an AgentPlugin's cycle check.
    let callers: [String]

    enum Ending: Sendable {
        case output(JSONValue)
        case quiet
        case failed(RunError)

        /// An APIOutput's result.
        var output: JSONValue? {
            if case .output(let value) = self { return value }
            return nil
        }
    }

    struct Outcome: Sendable {
        var ending: Ending
        var trace: [TraceEntry]
    }

    var agent: PreparedAgent { executor.agent }

    func drive(_ state: inout RunState, launching initial: [(Component, [String: JSONValue])], endsAtAPIOutput: Bool)
        async -> Outcome
    {
        var trace: [TraceEntry] = []
        let ending: Ending = await withTaskGroup(of: Executor.Finished.self) { group -> Ending in
            // Components that never wait (everything but HTTP, sleeps and loops) finish without
            // suspending: they run here, one after another in the order they became ready, and
            // only the ones that can wait get a task (and a timer) of their own. A task per
            // component was most of the engine's cost.
            var inline: [(Component, [String: JSONValue])] = []
            var nextInline = 0
            // Components that can wait, launched once the inline ones are done.
            var waiting: [(Component, [String: JSONValue])] = []

            func launch(_ component: Component, inputs: [String: JSONValue]) {
                state.started.insert(component.id)
                let timed =
                    agent.timeouts[component.id] != nil || component.type == "ForEach"
                    || agent.runners[component.id]?.mayWait == true
                guard timed else {
                    inline.append((component, inputs))
                    return
                }
                waiting.append((component, inputs))
            }

            /// The timer a waiting component needs: none when its runner bounds every wait
            /// itself, unless an explicit `timeout` setting asks for a hard limit on the whole component.
            func timeout(of component: Component) -> Duration? {
                agent.timeouts[component.id]
                    ?? (agent.runners[component.id]?.boundsItsOwnWaits == true ? nil : executor.componentTimeout)
            }

            func run(_ component: Component, inputs: [String: JSONValue]) async -> Executor.Finished {
                let began = clock.now
                let result: Result<[String: JSONValue], any Error>
                do {
                    if let timeout = timeout(of: component) {
                        result = .success(
                            try await Executor.withTimeout(timeout) {
                                try await self.execute(component, inputs: inputs)
                            })
                    } else {
                        result = .success(try await execute(component, inputs: inputs))
                    }
                } catch {
                    result = .failure(error)
                }
                return .init(
                    component: component, inputs: inputs, result: result, duration: clock.now - began,
                    startedAt: began - started)
            }

            /// Records a finished component and launches what it made ready; an ending stops the run.
            func finish(_ finished: Executor.Finished) -> Ending? {
                let entry = TraceEntry(finished, redactor: redactor, scope: scope)
                trace.append(entry)
                observer?(entry)
                switch finished.result {
                case .success(var outputs):
                    outputs[TraceEntry.key] = nil
                    outputs[TraceEntry.llmKey] = nil
                    if endsAtAPIOutput && finished.component.type == "APIOutput" {
                        return .output(APIOutput.result(finished.component, outputs: outputs))
                    }
                    state.deliver(outputs, from: finished.component)
                case .failure(let error):
                    if error is CancellationError { return .failed(.cancelled) }
                    if let nested = error as? RunError { return .failed(nested) }
                    guard agent.hasErrorBranch(finished.component) else {
                        return .failed(
                            .componentFailed(
                                component: finished.component.label, type: finished.component.type,
                                message: String(describing: error)))
                    }
                    // What the component produced before failing (an API's error response)
                    // flows on with the error, as in SmythOS.
                    var outputs = (error as? ComponentError)?.outputs ?? [:]
                    outputs[TraceEntry.key] = nil
                    outputs[TraceEntry.llmKey] = nil
                    outputs["_error"] = redactor.redact(ComponentError.value(of: error))
                    state.deliver(outputs, from: finished.component)
                }
                for (component, inputs) in state.takeReady() { launch(component, inputs: inputs) }
                return nil
            }

            for (component, inputs) in initial { launch(component, inputs: inputs) }
            for (component, inputs) in state.takeReady() { launch(component, inputs: inputs) }
            while true {
                while nextInline < inline.count {
                    if Task.isCancelled { group.cancelAll(); return .failed(.cancelled) }
                    let (component, inputs) = inline[nextInline]
                    nextInline += 1
                    let began = clock.now
                    let result: Result<[String: JSONValue], any Error>
                    do { result = .success(try await execute(component, inputs: inputs)) } catch {
                        result = .failure(error)
                    }
                    let finished = Executor.Finished(
                        component: component, inputs: inputs, result: result, duration: clock.now - began,
                        startedAt: began - started)
                    if let ending = finish(finished) { group.cancelAll(); return ending }
                }
                inline.removeAll(keepingCapacity: true)
                nextInline = 0
                for (component, inputs) in waiting { group.addTask { await run(component, inputs: inputs) } }
                waiting.removeAll(keepingCapacity: true)
                guard let finished = await group.next() else { break }
                if let ending = finish(finished) { group.cancelAll(); return ending }
            }
            return .quiet
        }
        return Outcome(ending: ending, trace: trace)
    }

    func execute(_ component: Component, inputs: [String: JSONValue]) async throws -> [String: JSONValue] {
        // What the component does in the Vault (a credential used), its log lines and its span
        // name it: the run's attribution plus this component.
        try await Attribution.with(Attribution(component: component.id)) {
            try await ComponentSpans.around(component) { try await executeAttributed(component, inputs: inputs) }
        }
    }

    private func executeAttributed(_ component: Component, inputs: [String: JSONValue]) async throws
        -> [String: JSONValue]
    {
        try budget.startComponent(component)
        defer { budget.finishComponent(component) }
        if component.type == "ForEach" { return try await loop(component, inputs: inputs) }
        guard let runner = agent.runners[component.id] else {
            throw ComponentError(message: "no runner for \(component.type)")
        }
        // Every component's declared input types apply, to received values and defaults
        // alike (SRE's Component.process); the endpoint types the request itself.
        let typed = component.type == "APIEndpoint" ? inputs : try TypeCoercion.coerceDeclared(inputs, of: component)
        switch component.type {
        case "Async": return [AsyncStep.jobIDOutput: .string(startJob(component, inputs: typed))]
        case "AgentPlugin": return try await callAgent(component, runner: runner, inputs: typed)
        default:
            return try await runner.run(typed, context: environment.context(for: component, budget: budget, jobs: jobs))
        }
    }

    /// ForEach: the branch behind `Loop` runs once per item, one item after another; the
    /// results of the branch's last components are collected into `Result`.
    func loop(_ component: Component, inputs: [String: JSONValue]) async throws -> [String: JSONValue] {
        let body = agent.loopBodies[component.id] ?? []
        var collected: [JSONValue] = []
        let items = ForEach.items(inputs["Input"])
        try budget.takeForEachItems(items.count, for: component)
        for item in items {
            try Task.checkCancellation()
            var state = RunState(agent: agent, restrictedTo: body)
            state.deliver(["Loop": item], from: component)
            let outcome = await drive(&state, launching: [], endsAtAPIOutput: false)
            if case .failed(let error) = outcome.ending { throw error }
            collected += state.leafEntries(within: body)
        }
        return ["Result": .array(ForEach.format(collected, as: component.data["format"]?.stringValue ?? "full"))]
    }
}
