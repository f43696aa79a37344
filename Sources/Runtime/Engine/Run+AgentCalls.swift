/// AgentPlugin: another agent runs inside this run, under the run's limits, wall time and
/// trace, with its own variables and OAuth sections resolved on the same vault.
extension Run {
    func callAgent(_ component: Component, runner: any ComponentRunner, inputs: [String: JSONValue]) async throws
        -> [String: JSONValue]
    {
        guard let plugin = runner as? AgentPluginStep else {
            throw ComponentError(message: "no runner for AgentPlugin")
        }
        guard let calls = environment.agents else {
            throw ComponentError(
                message:
                    "it calls agent \(plugin.reference), and no agents are available to call here: run it with "
                    + "keyflow serve (the team's agents), or with keyflow run next to the agent's file or with --agents DIR"
            )
        }
        let (name, session) = try await ready(plugin, calls: calls)
        if let first = callers.firstIndex(of: name) {
            throw ComponentError(
                message:
                    "calling agent \(name) would make a cycle: \((callers[first...] + [name]).joined(separator: " → "))"
            )
        }
        guard callers.count < AgentCalls.maxDepth else {
            throw ComponentError(
                message:
                    "calling agent \(name) would nest agents \(callers.count + 1) deep, over the limit of "
                    + "\(AgentCalls.maxDepth): \((callers + [name]).joined(separator: " → "))")
        }
        var executor = Executor(agent: session.prepared)
        executor.componentTimeout = self.executor.componentTimeout
        executor.limits = self.executor.limits
        var environment = session.environment
        let lookup = environment.keys
        let redactor = self.redactor
        environment.keys = { key in
            let value = try lookup(key)
            if let value { redactor.record(value) }
            return value
        }
        let run = Run(
            executor: executor, environment: environment, observer: observer, clock: clock, started: started,
            budget: budget, redactor: redactor, jobs: jobs, scope: "agent \(name)", callers: callers + [name])
        let endpoint: Component
        do { endpoint = try run.agent.endpoint(named: plugin.endpoint) } catch {
            throw ComponentError(message: "agent \(name): \(error.description)")
        }
        let sent = try AgentPluginStep.endpointInputs(inputs, for: endpoint, agent: name)
        guard let endpointNumber = run.agent.number(of: endpoint.id) else {
            throw ComponentError(message: "agent \(name) has no component \(endpoint.id)")
        }
        var state = RunState(agent: run.agent, excludingBackground: true)
        let outcome = await run.drive(
            &state, launching: [(endpointNumber, sent.reduce(into: [:]) { $0[$1.key] = $1.value })],
            endsAtAPIOutput: true)
        jobs.appendTrace(outcome.trace)
        switch outcome.ending {
        case .output(let value): return AgentPluginStep.outputs(of: component, response: value)
        case .quiet:
            try Task.checkCancellation()
            return ["Response": state.lastOutputs()]
        case .failed(.cancelled): throw CancellationError()
        case .failed(let error):
            // A limit of the run ends the run; another failure is this component's, for its _error branch.
            if case .limitExceeded = error { throw error }
            throw ComponentError(message: "agent \(name) failed: \(error.description)")
        }
    }

    /// The agent `plugin` names, checked and made ready (once per run and reference).
    private func ready(_ plugin: AgentPluginStep, calls: AgentCalls) async throws -> (
        name: String, session: AgentSession
    ) {
        let key = plugin.reference + "\u{0}" + (plugin.endpoint ?? "")
        if let known = calls.ready.get(key) { return known }
        guard let (name, called) = try await calls.directory.agent(plugin.reference) else {
            throw ComponentError(message: "agent \(plugin.reference) was not found (by id or by name)")
        }
        let issues = AgentValidator.validate(called, forRunFrom: plugin.endpoint)
        guard issues.isEmpty else {
            throw ComponentError(
                message: "agent \(name) cannot run: \(issues.map(\.description).joined(separator: "; "))")
        }
        let made = (name, try await calls.session(called))
        calls.ready.set(key, made)
        return made
    }
}
