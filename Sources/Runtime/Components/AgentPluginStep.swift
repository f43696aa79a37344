/// AgentPlugin: calls another agent, by its id or name (`agentId`, else `name`), at one of
/// its endpoints, and gives that agent's result as `Response`. The executor does the call
/// (`Run.callAgent`): the agent runs inside this run, under its limits and its vault.
///
/// SRE hands the `Prompt` to an LLM that chooses which endpoint of the agent to call and with
/// what; Keyflow calls the endpoint directly and deterministically. The endpoint is `endpoint`
/// when set, else the agent's only one. Its inputs are this component's inputs of the same
/// names; a `Prompt` that is an object gives its fields, and a `Prompt` that is anything else
/// goes to the endpoint's only input not given otherwise. Its outputs other than `Response` are
/// the fields of the same names the called agent's APIOutput collected.
struct AgentPluginStep: ComponentRunner {
    let reference: String
    let endpoint: String?
    var mayWait: Bool { true }
    /// The called agent's components keep their own timers.
    var boundsItsOwnWaits: Bool { true }

    init(_ component: Component) throws {
        let named = [component.data["agentId"], component.data["name"]].compactMap { $0?.stringValue }
        guard let reference = named.first(where: { !$0.isEmpty }) else {
            throw ComponentError(message: "agentId is empty: name the agent to call (its id or its name)")
        }
        self.reference = reference
        endpoint = component.data["endpoint"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        throw ComponentError(message: "AgentPlugin runs only inside the executor")
    }

    /// The component's outputs: `Response`, the called agent's answer as its endpoint gives
    /// it, and each other declared output by name from the fields its APIOutput collected.
    static func outputs(of component: Component, response: JSONValue) -> [String: JSONValue] {
        // An APIOutput's `full` answer wraps its fields as `{id, name, result: {Output: …}}`.
        let fields =
            response["name"] == .string("APIOutput") ? response["result"]?["Output"] ?? response : response
        var outputs = ["Response": response]
        for port in component.outputs where !["Response", "_error", "_debug"].contains(port.name) {
            if let value = fields[port.name] { outputs[port.name] = value }
        }
        return outputs
    }

    /// The inputs of the called endpoint, from the component's inputs (see the type's comment).
    static func endpointInputs(_ inputs: [String: JSONValue], for endpoint: Component, agent name: String) throws
        -> JSONObject
    {
        var sent = JSONObject()
        for (key, value) in inputs.sorted(by: { $0.key < $1.key }) where key != "Prompt" { sent[key] = value }
        guard let prompt = inputs["Prompt"] else { return sent }
        if case .object(let fields) = prompt {
            for (key, value) in fields where sent[key] == nil { sent[key] = value }
            return sent
        }
        let open = endpoint.inputs.map(\.name).filter { sent[$0] == nil }
        guard open.count == 1, let only = open.first else {
            let declared = endpoint.inputs.map(\.name)
            throw ComponentError(
                message:
                    "agent \(name)'s endpoint \(endpoint.data["endpoint"]?.stringValue ?? endpoint.id) takes "
                    + (declared.isEmpty ? "no inputs" : "the inputs \(declared.joined(separator: ", "))")
                    + ", so a Prompt that is not an object cannot be given to one of them; send an object with "
                    + "those names on Prompt, or add inputs of those names to this component")
        }
        sent[only] = prompt
        return sent
    }
}
