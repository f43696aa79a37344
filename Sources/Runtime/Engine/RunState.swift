/// Which inputs have arrived where, and which components are ready: the bookkeeping of one run.
struct RunState {
    let agent: PreparedAgent
    var arrived: [String: [String: JSONValue]] = [:]
    var started: Set<String> = []
    /// Components that received a value since readiness was last checked: only these can
    /// have become ready, which keeps a run linear in the size of the graph. (An id may be
    /// listed twice; the second time it has started or is still incomplete.)
    var touched: [String] = []
    var outputsByComponent: [(String, [String: JSONValue])] = []

    /// Inside a ForEach or a job, only the loop body's or the job's components may run.
    let allowed: Set<String>?
    /// Components that never run here: in an agent's main flow, the branches Async starts as jobs.
    let excluded: Set<String>

    init(agent: PreparedAgent, restrictedTo allowed: Set<String>? = nil, excluding excluded: Set<String> = []) {
        self.agent = agent
        self.allowed = allowed
        self.excluded = excluded
    }

    /// Sends a finished component's outputs along its connections. A path output
    /// (`Response.items[0].id`) reads from the output it starts with; an output with no value
    /// sends nothing, so the branch behind it does not run.
    /// Several connections into one input merge into an array, in file order, as in SmythOS.
    mutating func deliver(_ outputs: [String: JSONValue], from component: Component) {
        outputsByComponent.append((component.id, outputs))
        for route in agent.routes[component.id] ?? [] {
            guard allowed?.contains(route.targetID) ?? true, !excluded.contains(route.targetID),
                let value = Self.value(of: route.port, in: outputs, component: component)
            else { continue }
            Self.merge(value, into: &arrived[route.targetID, default: [:]][route.input])
            touched.append(route.targetID)
        }
    }

    /// SmythOS's `_mergeInputs`: one value stays itself; more make an array, and an array
    /// already there is extended.
    static func merge(_ value: JSONValue, into existing: inout JSONValue?) {
        switch existing {
        case nil: existing = value
        case .array(var values)?:
            existing = nil  // so that `values` is not shared and grows in place
            values.append(value)
            existing = .array(values)
        case let other?: existing = .array([other, value])
        }
    }

    /// The value of an output port: a default output by name; another name first inside the
    /// component's first default output (`coins` means `Response.coins`), then as a path from
    /// the outputs (`Response.items[0].id`), read from the port's `expression` when it has one
    /// (`first_name` reading `body.first_name`). No value means nothing is sent.
    static func value(of port: Port, in outputs: [String: JSONValue], component: Component) -> JSONValue? {
        if let value = outputs[port.name] { return value }
        if !port.isDefault, let first = component.outputs.first(where: \.isDefault),
            let container = outputs[first.name],
            let value = container[port.name]
        {
            return value
        }
        guard let path = ValuePath(port.expression ?? port.name), let root = outputs[path.root] else { return nil }
        return ValuePath.follow(path.rest, in: root)
    }

    /// The components whose required inputs are all there and that have not run yet, with
    /// their inputs (defaults filled in). Required means connected and not optional, as in
    /// SmythOS: an input nothing is wired to is never waited for.
    mutating func takeReady() -> [(Component, [String: JSONValue])] {
        var ready: [(Component, [String: JSONValue])] = []
        defer { touched.removeAll(keepingCapacity: true) }
        for id in touched where !started.contains(id) {
            guard let component = agent.components[id], let values = arrived[id] else { continue }
            var inputs = values
            var complete = true
            for port in component.inputs where inputs[port.name] == nil {
                if let value = port.defaultValue {
                    inputs[port.name] = value
                } else if !port.optional && agent.connectedInputs.contains(.init(component: id, input: port.name)) {
                    complete = false
                    break
                }
            }
            if complete {
                ready.append((component, inputs))
                started.insert(id)
                arrived[id] = nil
            }
        }
        if ready.count > 1 { ready.sort { $0.0.position < $1.0.position } }
        return ready
    }

    /// Without an APIOutput, the result is SmythOS's: one `{id, name, result}` entry per
    /// component that ran and has no outgoing connection; one entry alone, several as an
    /// array, none as `[]`.
    func lastOutputs() -> JSONValue {
        var seen = Set<String>()
        let entries: [JSONValue] = outputsByComponent.compactMap { id, outputs in
            guard (agent.outgoing[id] ?? []).isEmpty, seen.insert(id).inserted, let component = agent.components[id]
            else { return nil }
            return Self.entry(component, outputs)
        }
        if entries.count == 1, let only = entries.first { return only }
        return .array(entries)
    }

    /// The `{id, name, result}` entries of the body's last components that ran (an APIOutput
    /// gives its result as a run would).
    func leafEntries(within body: Set<String>) -> [JSONValue] {
        outputsByComponent.compactMap { id, outputs in
            guard body.contains(id), (agent.outgoing[id] ?? []).allSatisfy({ !body.contains($0.targetID) }),
                let component = agent.components[id]
            else { return nil }
            return component.type == "APIOutput"
                ? APIOutput.result(component, outputs: outputs) : Self.entry(component, outputs)
        }
    }

    static func entry(_ component: Component, _ outputs: [String: JSONValue]) -> JSONValue {
        let result = JSONObject(
            component.outputs.compactMap { port in outputs[port.name].map { (port.name, $0) } }
                + outputs.keys.sorted().filter { key in !component.outputs.contains { $0.name == key } }.map {
                    ($0, outputs[$0] ?? .null)
                })
        return .object(
            JSONObject([("id", .string(component.id)), ("name", .string(component.type)), ("result", .object(result))]))
    }
}
