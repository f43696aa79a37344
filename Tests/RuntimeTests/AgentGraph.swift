import Runtime

/// A small agent written in code for tests: components with named ports, links by port name.
struct AgentGraph {
    private var components: [String] = []
    private var links: [String] = []
    var id: String?

    /// An APIEndpoint `name` (POST) whose inputs are also `body.<input>` outputs.
    mutating func endpoint(_ id: String, _ name: String, inputs: [String]) {
        add(
            id, "APIEndpoint", data: #"{"endpoint": "\#(name)", "method": "POST"}"#, inputs: inputs,
            outputs: ["headers", "body", "query"] + inputs.map { "body.\($0)" })
    }

    /// A component; outputs with a dot in their name are path outputs (not default).
    mutating func add(_ id: String, _ type: String, data: String = "{}", inputs: [String] = [], outputs: [String] = [])
    {
        let inputPorts = inputs.enumerated().map { #"{"name": "\#($1)", "index": \#($0), "type": "Any"}"# }
        let outputPorts = outputs.enumerated().map {
            #"{"name": "\#($1)", "index": \#($0), "default": \#($1.contains(".") ? "false" : "true")}"#
        }
        components.append(
            #"{"id": "\#(id)", "name": "\#(type)", "data": \#(data), "inputs": [\#(inputPorts.joined(separator: ","))], "outputs": [\#(outputPorts.joined(separator: ","))]}"#
        )
    }

    /// A connection from `source`'s output `output` to `target`'s input `input`.
    mutating func link(_ source: String, _ output: String, to target: String, _ input: String) {
        links.append(
            #"{"sourceId": "\#(source)", "sourceIndex": "\#(output)", "targetId": "\#(target)", "targetIndex": "\#(input)"}"#
        )
    }

    func agent(source: String = "graph.smyth") throws -> Agent {
        let head = id.map { #""id": "\#($0)", "# } ?? ""
        let text =
            #"{\#(head)"components": [\#(components.joined(separator: ","))], "connections": [\#(links.joined(separator: ","))]}"#
        return try AgentLoader.parse(Array(text.utf8), source: source)
    }

    /// SRE's "no-await-async": the flow answers the job's id at once (APIOutput, minimal)
    /// while the Async job sleeps `seconds`.
    static func answeringBeforeItsJob(sleeping seconds: Int) throws -> Agent {
        var graph = AgentGraph()
        graph.endpoint("E", "go", inputs: ["prompt"])
        graph.add("A", "Async", inputs: ["prompt"], outputs: ["JobID", "prompt"])
        graph.add("S", "FSleep", data: #"{"delay": "\#(seconds)"}"#, inputs: ["Input"], outputs: ["Output"])
        graph.add("O", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["job"], outputs: ["Output"])
        graph.link("E", "body.prompt", to: "A", "prompt")
        graph.link("A", "prompt", to: "S", "Input")
        graph.link("A", "JobID", to: "O", "job")
        return try graph.agent()
    }
}
