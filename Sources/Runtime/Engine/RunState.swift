/// Which inputs have arrived where, and which components are ready: the bookkeeping of one
/// run. Components are numbers and inputs are slots of `PreparedAgent`, so that a delivery is
/// an array write, not a dictionary of its own.
struct RunState {
    let agent: PreparedAgent
    /// The values that arrived, one slot per component input name (`PreparedAgent.slotStart`).
    var slots: [JSONValue?]
    /// Per component: whether it started here.
    var started: [Bool]
    /// Components that received a value since readiness was last checked: only these can
    /// have become ready, which keeps a run linear in the size of the graph. (A component may
    /// be listed twice; the second time it has started or is still incomplete.)
    var touched: [Int] = []
    /// Each component that ran here, in the order it finished, with its outputs.
    var outputsByComponent: [(Int, [String: JSONValue])] = []
    /// The components whose slots or `started` flag were set since the last `reset`: kept
    /// only by a restricted state (a ForEach body's), which is reused item after item.
    var dirty: [Int] = []
    /// A delivery's output values by output port, each read once: reused, so that a delivery
    /// allocates nothing.
    var portValues: [JSONValue??] = []

    /// Inside a ForEach or a job, only the loop body's or the job's components may run.
    let allowed: Set<Int>?
    /// Whether the components that never run in an agent's main flow (the branches Async
    /// starts as jobs, `PreparedAgent.background`) are left out here.
    let excludesBackground: Bool

    init(agent: PreparedAgent, restrictedTo allowed: Set<Int>? = nil, excludingBackground: Bool = false) {
        self.agent = agent
        self.allowed = allowed
        excludesBackground = excludingBackground
        slots = [JSONValue?](repeating: nil, count: agent.slotNames.count)
        started = [Bool](repeating: false, count: agent.components.count)
    }

    /// Back to a state where nothing has arrived or run (a ForEach's next item), clearing only
    /// what was set: linear in what the last item did, not in the size of the agent.
    mutating func reset() {
        for component in dirty {
            started[component] = false
            for slot in agent.slotStart[component]..<agent.slotStart[component + 1] { slots[slot] = nil }
        }
        dirty.removeAll(keepingCapacity: true)
        touched.removeAll(keepingCapacity: true)
        outputsByComponent.removeAll(keepingCapacity: true)
    }

    /// Marks `component` as started, launched by the executor rather than found ready.
    mutating func start(_ component: Int) {
        started[component] = true
        if allowed != nil { dirty.append(component) }
    }

    /// Sends a finished component's outputs along its connections. A path output
    /// (`Response.items[0].id`) reads from the output it starts with; an output with no value
    /// sends nothing, so the branch behind it does not run.
    /// Several connections into one input merge into an array, in file order, as in SmythOS.
    mutating func deliver(_ outputs: [String: JSONValue], from number: Int) {
        outputsByComponent.append((number, outputs))
        let routes = agent.routes[number]
        guard !routes.isEmpty else { return }
        let component = agent.components[number]
        portValues.removeAll(keepingCapacity: true)
        portValues.append(contentsOf: repeatElement(nil, count: component.outputs.count))
        for route in routes {
            let target = route.target
            if let allowed, !allowed.contains(target) { continue }
            if excludesBackground && agent.background[target] { continue }
            let value: JSONValue
            if let known = portValues[route.output] {
                guard let known else { continue }
                value = known
            } else {
                let read = Self.value(of: component.outputs[route.output], in: outputs, component: component)
                portValues[route.output] = .some(read)
                guard let read else { continue }
                value = read
            }
            touched.append(target)
            // A component that started takes nothing more (its inputs were handed over).
            guard !started[target] else { continue }
            Self.merge(value, into: &slots[route.slot])
            if allowed != nil { dirty.append(target) }
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
    /// their inputs (defaults filled in), in file order. Required means connected and not
    /// optional, as in SmythOS: an input nothing is wired to is never waited for.
    mutating func takeReady() -> [(Int, [String: JSONValue])] {
        var ready: [(Int, [String: JSONValue])] = []
        defer { touched.removeAll(keepingCapacity: true) }
        for number in touched where !started[number] {
            let component = agent.components[number]
            let slotStart = agent.slotStart[number]
            let portStart = agent.portStart[number]
            var complete = true
            for (offset, port) in component.inputs.enumerated() {
                let slot = agent.portSlots[portStart + offset]
                guard slots[slot] == nil, port.defaultValue == nil else { continue }
                if !port.optional && agent.slotConnected[slot]
                    && !Self.defaulted(slot, before: offset, of: component, slots: agent.portSlots[portStart...])
                {
                    complete = false
                    break
                }
            }
            guard complete else { continue }
            // The inputs that arrived, and the defaults of those that did not (the first port
            // of a name that has one).
            var inputs: [String: JSONValue] = [:]
            inputs.reserveCapacity(agent.slotStart[number + 1] - slotStart)
            for slot in slotStart..<agent.slotStart[number + 1] {
                guard let value = slots[slot] else { continue }
                inputs[agent.slotNames[slot]] = value
                slots[slot] = nil
            }
            for port in component.inputs {
                guard let value = port.defaultValue, inputs[port.name] == nil else { continue }
                inputs[port.name] = value
            }
            ready.append((number, inputs))
            started[number] = true
            if allowed != nil { dirty.append(number) }
        }
        if ready.count > 1 { ready.sort { $0.0 < $1.0 } }
        return ready
    }

    /// Whether a port before `offset` feeds `slot` and has a default: a later port of the same
    /// name is then not waited for (its value is the default), as when inputs were by name.
    static func defaulted(_ slot: Int, before offset: Int, of component: Component, slots: ArraySlice<Int>) -> Bool {
        component.inputs.prefix(offset).enumerated().contains { earlier, port in
            port.defaultValue != nil && slots[slots.startIndex + earlier] == slot
        }
    }

    /// Without an APIOutput, the result is SmythOS's: one `{id, name, result}` entry per
    /// component that ran and has no outgoing connection; one entry alone, several as an
    /// array, none as `[]`.
    func lastOutputs() -> JSONValue {
        var seen = [Bool](repeating: false, count: agent.components.count)
        let entries: [JSONValue] = outputsByComponent.compactMap { number, outputs in
            guard !agent.hasOutgoing[number], !seen[number] else { return nil }
            seen[number] = true
            return Self.entry(agent.components[number], outputs)
        }
        if entries.count == 1, let only = entries.first { return only }
        return .array(entries)
    }

    /// The `{id, name, result}` entries of the body's last components that ran (an APIOutput
    /// gives its result as a run would).
    func leafEntries(within body: Set<Int>) -> [JSONValue] {
        outputsByComponent.compactMap { number, outputs in
            guard body.contains(number), agent.targets[number].allSatisfy({ !body.contains($0) }) else { return nil }
            let component = agent.components[number]
            return agent.kinds[number] == .output
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
