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
    /// Per ForEach, the components reachable from its `Loop` output: the branch run per item.
    let loopBodies: [String: Set<String>]

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
        var bodies: [String: Set<String>] = [:]
        for component in agent.components where component.type == "ForEach" {
            var body = Set<String>()
            var queue = (outgoing[component.id] ?? []).filter { component.output($0.source)?.name == "Loop" }.map(
                \.targetID)
            while let next = queue.popLast() {
                guard next != component.id, body.insert(next).inserted else { continue }
                queue += (outgoing[next] ?? []).map(\.targetID)
            }
            bodies[component.id] = body
        }
        loopBodies = bodies
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
