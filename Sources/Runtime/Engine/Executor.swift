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
        guard let startNumber = agent.number(of: start.id) else { throw .noEndpoint("no endpoint \(start.id)") }
        let initial = [(startNumber, inputs.reduce(into: [String: JSONValue]()) { $0[$1.key] = $1.value })]
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
        /// The component's number in the prepared agent.
        let number: Int
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

    func drive(_ state: inout RunState, launching initial: [(Int, [String: JSONValue])], endsAtAPIOutput: Bool)
        async -> Outcome
    {
        let agent = self.agent
        let traced = ComponentSpans.tracing
        var trace: [TraceEntry] = []
        let ending: Ending = await withTaskGroup(of: Executor.Finished.self) { group -> Ending in
            // Components that never wait (everything but HTTP, sleeps and loops) finish without
            // suspending: they run here, one after another in the order they became ready, and
            // only the ones that can wait get a task (and a timer) of their own. A task per
            // component was most of the engine's cost.
            var inline: [(Int, [String: JSONValue])] = []
            var nextInline = 0
            // Components that can wait, launched once the inline ones are done.
            var waiting: [(Int, [String: JSONValue])] = []

            func launch(_ number: Int, inputs: [String: JSONValue]) {
                state.start(number)
                guard agent.waits[number] else {
                    inline.append((number, inputs))
                    return
                }
                waiting.append((number, inputs))
            }

            /// The timer a waiting component needs: none when its runner bounds every wait
            /// itself, unless an explicit `timeout` setting asks for a hard limit on the whole component.
            func timeout(of number: Int) -> Duration? {
                agent.timeouts[number]
                    ?? (agent.runners[number]?.boundsItsOwnWaits == true ? nil : executor.componentTimeout)
            }

            func run(_ number: Int, inputs: [String: JSONValue]) async -> Executor.Finished {
                let began = clock.now
                let result: Result<[String: JSONValue], any Error>
                do {
                    if let timeout = timeout(of: number) {
                        result = .success(
                            try await Executor.withTimeout(timeout) {
                                try await self.execute(number, inputs: inputs, traced: traced)
                            })
                    } else {
                        result = .success(try await execute(number, inputs: inputs, traced: traced))
                    }
                } catch {
                    result = .failure(error)
                }
                return .init(
                    number: number, inputs: inputs, result: result, duration: clock.now - began,
                    startedAt: began - started)
            }

            /// Records a finished component and launches what it made ready; an ending stops the run.
            func finish(_ finished: Executor.Finished) -> Ending? {
                let number = finished.number
                let entry = TraceEntry(finished, of: agent.components[number], redactor: redactor, scope: scope)
                trace.append(entry)
                observer?(entry)
                switch finished.result {
                case .success(var outputs):
                    TraceEntry.removeDetails(from: &outputs)
                    if endsAtAPIOutput && agent.kinds[number] == .output {
                        return .output(APIOutput.result(agent.components[number], outputs: outputs))
                    }
                    state.deliver(outputs, from: number)
                case .failure(let error):
                    if error is CancellationError { return .failed(.cancelled) }
                    if let nested = error as? RunError { return .failed(nested) }
                    guard agent.hasErrorBranch[number] else {
                        let component = agent.components[number]
                        return .failed(
                            .componentFailed(
                                component: component.label, type: component.type, message: String(describing: error)))
                    }
                    // What the component produced before failing (an API's error response)
                    // flows on with the error, as in SmythOS.
                    var outputs = (error as? ComponentError)?.outputs ?? [:]
                    TraceEntry.removeDetails(from: &outputs)
                    outputs["_error"] = redactor.redact(ComponentError.value(of: error))
                    state.deliver(outputs, from: number)
                }
                for (ready, inputs) in state.takeReady() { launch(ready, inputs: inputs) }
                return nil
            }

            for (number, inputs) in initial { launch(number, inputs: inputs) }
            for (number, inputs) in state.takeReady() { launch(number, inputs: inputs) }
            while true {
                while nextInline < inline.count {
                    if Task.isCancelled { group.cancelAll(); return .failed(.cancelled) }
                    let (number, inputs) = inline[nextInline]
                    nextInline += 1
                    let began = clock.now
                    let result: Result<[String: JSONValue], any Error>
                    do { result = .success(try await execute(number, inputs: inputs, traced: traced)) } catch {
                        result = .failure(error)
                    }
                    let finished = Executor.Finished(
                        number: number, inputs: inputs, result: result, duration: clock.now - began,
                        startedAt: began - started)
                    if let ending = finish(finished) { group.cancelAll(); return ending }
                }
                inline.removeAll(keepingCapacity: true)
                nextInline = 0
                for (number, inputs) in waiting { group.addTask { await run(number, inputs: inputs) } }
                waiting.removeAll(keepingCapacity: true)
                guard let finished = await group.next() else { break }
                if let ending = finish(finished) { group.cancelAll(); return ending }
            }
            return .quiet
        }
        return Outcome(ending: ending, trace: trace)
    }

    /// Runs component `number` of the agent with `inputs`.
    func execute(_ number: Int, inputs: [String: JSONValue], traced: Bool) async throws -> [String: JSONValue] {
        let component = agent.components[number]
        // What the component does in the Vault (a credential used), its log lines and its span
        // name it: the run's attribution plus this component.
        return try await Attribution.with(Attribution(component: component.id)) {
            try await ComponentSpans.around(component, traced: traced) {
                try await executeAttributed(number, component, inputs: inputs)
            }
        }
    }

    private func executeAttributed(_ number: Int, _ component: Component, inputs: [String: JSONValue]) async throws
        -> [String: JSONValue]
    {
        try budget.startComponent(component)
        defer { budget.finishComponent(component) }
        let kind = agent.kinds[number]
        if kind == .forEach { return try await loop(number, component, inputs: inputs) }
        guard let runner = agent.runners[number] else {
            throw ComponentError(message: "no runner for \(component.type)")
        }
        // Every component's declared input types apply, to received values and defaults
        // alike (SRE's Component.process); the endpoint types the request itself.
        let typed = kind == .endpoint ? inputs : try TypeCoercion.coerceDeclared(inputs, of: component)
        switch kind {
        case .async: return [AsyncStep.jobIDOutput: .string(startJob(number, component, inputs: typed))]
        case .agentPlugin: return try await callAgent(component, runner: runner, inputs: typed)
        default:
            return try await runner.run(typed, context: environment.context(for: component, budget: budget, jobs: jobs))
        }
    }

    /// ForEach: the branch behind `Loop` runs once per item, one item after another; the
    /// results of the branch's last components are collected into `Result`.
    func loop(_ number: Int, _ component: Component, inputs: [String: JSONValue]) async throws -> [String: JSONValue] {
        let body = agent.loopBodies[number] ?? []
        var collected: [JSONValue] = []
        let items = ForEach.items(inputs["Input"])
        try budget.takeForEachItems(items.count, for: component)
        // One state for every item, cleared between items: a fresh one per item would cost the
        // size of the whole agent each time.
        var state = RunState(agent: agent, restrictedTo: body)
        for item in items {
            try Task.checkCancellation()
            state.reset()
            state.deliver(["Loop": item], from: number)
            let outcome = await drive(&state, launching: [], endsAtAPIOutput: false)
            if case .failed(let error) = outcome.ending { throw error }
            collected += state.leafEntries(within: body)
        }
        return ["Result": .array(ForEach.format(collected, as: component.data["format"]?.stringValue ?? "full"))]
    }
}
