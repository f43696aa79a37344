/// An agent made ready to run any number of times: runners built (templates parsed once),
/// connections indexed by component.
public struct PreparedAgent: Sendable {
    /// The agent as loaded.
    public let agent: Agent
    let components: [String: Component]
    let runners: [String: any ComponentRunner]
    let timeouts: [String: Duration]
    let outgoing: [String: [Link]]
    /// Per component, its connections resolved to ports: what `RunState.deliver` follows.
    let routes: [String: [Route]]
    /// The inputs that some connection feeds (one set for the agent, not one per component).
    let connectedInputs: Set<InputKey>
    /// Per ForEach, the components reachable from its `Loop` output: the branch run per item
    /// (an Async's job is not part of it).
    let loopBodies: [String: Set<String>]
    /// Per Async, the components of the job it starts: everything reachable from its outputs
    /// other than `JobID` (SRE forks the agent from there).
    let jobBodies: [String: Set<String>]
    /// The components that run only inside jobs (SRE tags them `async`): the main flow skips them.
    let background: Set<String>
    /// Whether a run can start Async jobs: it has an Async, or an AgentPlugin whose agent may.
    let mayStartJobs: Bool

    /// Indexes `agent`'s components and connections for the executor; `timeouts` are per component id.
    public init(agent: Agent, runners: [String: any ComponentRunner], timeouts: [String: Duration] = [:]) {
        self.agent = agent
        self.runners = runners
        self.timeouts = timeouts
        var components: [String: Component] = [:]
        components.reserveCapacity(agent.components.count)
        for component in agent.components where components[component.id] == nil { components[component.id] = component }
        self.components = components
        outgoing = Dictionary(grouping: agent.links, by: \.sourceID)
        var connected = Set<InputKey>(minimumCapacity: agent.links.count)
        var routes: [String: [Route]] = [:]
        routes.reserveCapacity(outgoing.count)
        for link in agent.links {
            guard let input = components[link.targetID]?.input(link.target) else { continue }
            connected.insert(InputKey(component: link.targetID, input: input.name))
            if let port = components[link.sourceID]?.output(link.source) {
                routes[link.sourceID, default: []].append(Route(port: port, targetID: link.targetID, input: input.name))
            }
        }
        connectedInputs = connected
        self.routes = routes
        let outgoing = self.outgoing
        /// The components reachable from `starts`, not following the links `skip` names.
        func reachable(from starts: [String], skip: (Link) -> Bool) -> Set<String> {
            var found = Set<String>()
            var queue = starts
            while let next = queue.popLast() {
                guard found.insert(next).inserted else { continue }
                queue += (outgoing[next] ?? []).filter { !skip($0) }.map(\.targetID)
            }
            return found
        }
        func isAsync(_ id: String) -> Bool { components[id]?.type == "Async" }
        func isJobID(_ link: Link) -> Bool {
            components[link.sourceID]?.output(link.source)?.name == AsyncStep.jobIDOutput
        }
        /// Targets of an Async's outputs other than JobID: where its job starts.
        func jobStarts(_ id: String) -> [String] {
            (outgoing[id] ?? []).filter { !isJobID($0) }.map(\.targetID)
        }
        var bodies: [String: Set<String>] = [:]
        for component in agent.components where component.type == "ForEach" {
            let starts = (outgoing[component.id] ?? []).filter { component.output($0.source)?.name == "Loop" }.map(
                \.targetID)
            // Not through the ForEach itself (a loop back to it), nor into an Async's job.
            var body = reachable(from: starts) { $0.sourceID == component.id || (isAsync($0.sourceID) && !isJobID($0)) }
            body.remove(component.id)
            bodies[component.id] = body
        }
        loopBodies = bodies
        var jobs: [String: Set<String>] = [:]
        var background = Set<String>()
        for component in agent.components where component.type == "Async" {
            jobs[component.id] = reachable(from: jobStarts(component.id)) { _ in false }
            // SRE's tagging: from the Async's other outputs on, never through an Async's JobID.
            background.formUnion(reachable(from: jobStarts(component.id)) { isAsync($0.sourceID) && isJobID($0) })
        }
        jobBodies = jobs
        self.background = background
        mayStartJobs = !jobs.isEmpty || agent.components.contains { $0.type == "AgentPlugin" }
    }

    /// An input of a component, by their names.
    struct InputKey: Hashable, Sendable {
        let component: String
        let input: String
    }

    /// A connection whose ports exist: `port` of its source feeds the input named `input` of `targetID`.
    struct Route: Sendable {
        let port: Port
        let targetID: String
        let input: String
    }

    /// The APIEndpoint components, by their `endpoint` name.
    public var endpoints: [(name: String, component: Component)] {
        agent.components.filter { $0.type == "APIEndpoint" }.map { ($0.data["endpoint"]?.stringValue ?? $0.id, $0) }
    }

    func endpoint(named name: String?) throws(RunError) -> Component {
        let endpoints = self.endpoints
        if let name {
            guard let match = endpoints.first(where: { $0.name == name || $0.component.id == name }) else {
                throw .noEndpoint(
                    "the agent has no endpoint \"\(name)\"; its endpoints are: \(endpoints.map(\.name).joined(separator: ", "))"
                )
            }
            return match.component
        }
        guard endpoints.count == 1, let only = endpoints.first else {
            throw .noEndpoint(
                endpoints.isEmpty
                    ? "the agent has no APIEndpoint to start from"
                    : "the agent has \(endpoints.count) endpoints and none was chosen: \(endpoints.map(\.name).joined(separator: ", "))"
            )
        }
        return only.component
    }

    func hasErrorBranch(_ component: Component) -> Bool {
        guard let port = component.outputs.first(where: { $0.name == "_error" }) else { return false }
        return (outgoing[component.id] ?? []).contains { component.output($0.source) == port }
    }
}
