/// An agent made ready to run any number of times: runners built (templates parsed once),
/// components numbered and connections resolved to those numbers. The engine refers to a
/// component by its number (its index in `components`) and to an input by its slot, so that
/// a run looks nothing up by name.
public struct PreparedAgent: Sendable {
    /// The agent as loaded.
    public let agent: Agent
    /// The components, each id once (the first component of a repeated id), in file order:
    /// a component's number is its index here, and sorting by number is sorting by file order.
    let components: [Component]
    /// The number of each component id.
    let numbers: [String: Int]
    let runners: [(any ComponentRunner)?]
    let timeouts: [Duration?]
    /// What the executor needs to know of each component's type without comparing strings.
    let kinds: [Kind]
    /// Whether a component can wait (a `timeout` setting, a ForEach, a runner that may wait):
    /// it runs in a task of its own rather than inline.
    let waits: [Bool]
    /// Per component, its connections resolved to ports, in file order: what `RunState.deliver` follows.
    let routes: [[Route]]
    /// Where each component's input slots start in a run's flat array of slots (one entry
    /// more than there are components). A slot is an input name: ports of one name share it.
    let slotStart: [Int]
    /// The input name of each slot.
    let slotNames: [String]
    /// Whether some connection feeds each slot.
    let slotConnected: [Bool]
    /// Where each component's input ports start in `portSlots` (one entry more than there are components).
    let portStart: [Int]
    /// The slot of each input port, components after one another, ports in file order.
    let portSlots: [Int]
    /// Whether each component has a connection from its `_error` output.
    let hasErrorBranch: [Bool]
    /// Whether a component has any connection from it (to a component that exists or not).
    let hasOutgoing: [Bool]
    /// The components each component's connections lead to (with repeats), in file order.
    let targets: [[Int]]
    /// Per ForEach, the components reachable from its `Loop` output: the branch run per item
    /// (an Async's job is not part of it).
    let loopBodies: [Int: Set<Int>]
    /// Per Async, the components of the job it starts: everything reachable from its outputs
    /// other than `JobID` (SRE forks the agent from there).
    let jobBodies: [Int: Set<Int>]
    /// The components that run only inside jobs (SRE tags them `async`): the main flow skips them.
    let background: [Bool]
    /// Whether a run can start Async jobs: it has an Async, or an AgentPlugin whose agent may.
    let mayStartJobs: Bool

    /// The component types the executor treats apart.
    enum Kind: Sendable {
        case endpoint, output, forEach, async, agentPlugin, other

        init(_ type: String) {
            switch type {
            case "APIEndpoint": self = .endpoint
            case "APIOutput": self = .output
            case "ForEach": self = .forEach
            case "Async": self = .async
            case "AgentPlugin": self = .agentPlugin
            default: self = .other
            }
        }
    }

    /// A connection whose ports exist: output `output` (an index into the source's outputs)
    /// feeds input slot `slot` (an index into the run's flat slots) of component `target`.
    struct Route: Sendable {
        let output: Int
        let target: Int
        let slot: Int
    }

    /// The components of an agent by number: each id once (its first component), in file order.
    struct Numbering: Sendable {
        let numbers: [String: Int]
        let components: [Component]

        init(_ agent: Agent) {
            var numbers: [String: Int] = [:]
            numbers.reserveCapacity(agent.components.count)
            for (position, component) in agent.components.enumerated() where numbers[component.id] == nil {
                numbers[component.id] = position
            }
            // Without a repeated id (a valid agent), the agent's own array, shared rather than copied.
            var components = agent.components
            if numbers.count < components.count {
                components = agent.components.enumerated().filter { numbers[$1.id] == $0 }.map(\.element)
                for (number, component) in components.enumerated() { numbers[component.id] = number }
            }
            self.numbers = numbers
            self.components = components
        }
    }

    /// Indexes `agent`'s components and connections for the executor; `timeouts` are per component id.
    public init(agent: Agent, runners: [String: any ComponentRunner], timeouts: [String: Duration] = [:]) {
        let numbering = Numbering(agent)
        self.init(
            agent: agent, numbering: numbering, runners: numbering.components.map { runners[$0.id] },
            timeouts: numbering.components.map { timeouts[$0.id] })
    }

    /// Indexes `agent` with its components numbered by `numbering`, and the runner and timeout
    /// of each by number: no lookup by id per component (the preparer builds them so).
    init(agent: Agent, numbering: Numbering, runners: [(any ComponentRunner)?], timeouts: [Duration?]) {
        self.agent = agent
        let numbers = numbering.numbers
        let components = numbering.components
        let count = components.count
        self.components = components
        self.numbers = numbers
        self.runners = runners
        self.timeouts = timeouts
        let kinds = components.map { Kind($0.type) }
        self.kinds = kinds
        waits = (0..<count).map { number in
            timeouts[number] != nil || kinds[number] == .forEach || runners[number]?.mayWait == true
        }

        // Input slots: one per distinct input name of a component, in the order of first use.
        var slotStart = [0]
        var slotNames: [String] = []
        var portStart = [0]
        var portSlots: [Int] = []
        slotStart.reserveCapacity(count + 1)
        portStart.reserveCapacity(count + 1)
        slotNames.reserveCapacity(count)
        portSlots.reserveCapacity(count)
        for component in components {
            let first = slotNames.count
            for port in component.inputs {
                if let known = slotNames[first...].firstIndex(of: port.name) {
                    portSlots.append(known)
                } else {
                    portSlots.append(slotNames.count)
                    slotNames.append(port.name)
                }
            }
            slotStart.append(slotNames.count)
            portStart.append(portSlots.count)
        }
        /// The slot of the input named `name` of component `number`.
        func slot(_ number: Int, _ name: String) -> Int? {
            slotNames[slotStart[number]..<slotStart[number + 1]].firstIndex(of: name)
        }

        // Links resolved to numbers and ports once, for everything below.
        var outgoing = [[Int]](repeating: [], count: count)  // link positions by source
        var sourceOutput = [Int?](repeating: nil, count: agent.links.count)
        var slotConnected = [Bool](repeating: false, count: slotNames.count)
        var routes = [[Route]](repeating: [], count: count)
        var targets = [[Int]](repeating: [], count: count)
        var targetOf = [Int?](repeating: nil, count: agent.links.count)
        var hasOutgoing = [Bool](repeating: false, count: count)
        for (position, link) in agent.links.enumerated() {
            let target = numbers[link.targetID]
            targetOf[position] = target
            // The input a connection feeds, whether or not its source exists.
            var fed: Int?
            if let target, let input = components[target].input(link.target), let slot = slot(target, input.name) {
                slotConnected[slot] = true
                fed = slot
            }
            guard let source = numbers[link.sourceID] else { continue }
            outgoing[source].append(position)
            hasOutgoing[source] = true
            if let target { targets[source].append(target) }
            let output = Component.portPosition(link.source, in: components[source].outputs)
            sourceOutput[position] = output
            if let target, let fed, let output {
                routes[source].append(Route(output: output, target: target, slot: fed))
            }
        }
        self.hasOutgoing = hasOutgoing
        self.slotStart = slotStart
        self.slotNames = slotNames
        self.slotConnected = slotConnected
        self.portStart = portStart
        self.portSlots = portSlots
        self.routes = routes
        self.targets = targets
        hasErrorBranch = components.indices.map { number in
            guard let port = components[number].outputs.firstIndex(where: { $0.name == "_error" }) else { return false }
            // The first port named `_error`, as `Component.output` finds a port by reference.
            return outgoing[number].contains { position in
                sourceOutput[position].map { components[number].outputs[$0] == components[number].outputs[port] }
                    ?? false
            }
        }

        /// The components reachable from `starts`, not following the links `skip` names (by position).
        func reachable(from starts: [Int], skip: (_ source: Int, _ position: Int) -> Bool) -> Set<Int> {
            var found = Set<Int>()
            var queue = starts
            while let next = queue.popLast() {
                guard found.insert(next).inserted else { continue }
                for position in outgoing[next] where !skip(next, position) {
                    if let target = targetOf[position] { queue.append(target) }
                }
            }
            return found
        }
        func outputName(_ position: Int, of source: Int) -> String? {
            sourceOutput[position].map { components[source].outputs[$0].name }
        }
        func isJobID(_ source: Int, _ position: Int) -> Bool {
            outputName(position, of: source) == AsyncStep.jobIDOutput
        }
        /// Targets of an Async's outputs other than JobID: where its job starts.
        func jobStarts(_ number: Int) -> [Int] {
            outgoing[number].filter { !isJobID(number, $0) }.compactMap { targetOf[$0] }
        }
        var bodies: [Int: Set<Int>] = [:]
        var jobs: [Int: Set<Int>] = [:]
        var background = [Bool](repeating: false, count: count)
        for number in components.indices {
            switch kinds[number] {
            case .forEach:
                let starts = outgoing[number].filter { outputName($0, of: number) == "Loop" }.compactMap {
                    targetOf[$0]
                }
                // Not through the ForEach itself (a loop back to it), nor into an Async's job.
                var body = reachable(from: starts) { source, position in
                    source == number || (kinds[source] == .async && !isJobID(source, position))
                }
                body.remove(number)
                bodies[number] = body
            case .async:
                jobs[number] = reachable(from: jobStarts(number)) { _, _ in false }
                // SRE's tagging: from the Async's other outputs on, never through an Async's JobID.
                for tagged in reachable(from: jobStarts(number), skip: { kinds[$0] == .async && isJobID($0, $1) }) {
                    background[tagged] = true
                }
            default: break
            }
        }
        loopBodies = bodies
        jobBodies = jobs
        self.background = background
        mayStartJobs = !jobs.isEmpty || kinds.contains(.agentPlugin)
    }

    /// The number of the component `id`, if the agent has it.
    func number(of id: String) -> Int? { numbers[id] }

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
}
