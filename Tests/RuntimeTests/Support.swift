import Foundation
import OAuthCore
import Runtime
import TestSupport

/// Runs an agent in process, as `keyflow run` does without OAuth.
func runAgent(
    _ agent: Agent, endpoint: String? = nil, inputs: [(String, JSONValue)] = [], http: (any HTTPTransport)? = nil,
    keys: [String: String] = [:]
) async throws -> JSONValue {
    let prepared = try AgentPreparer.prepare(agent)
    let environment = RunEnvironment(variables: agent.variables, keys: { keys[$0] }, http: http)
    return try await Executor(agent: prepared).run(endpoint: endpoint, inputs: JSONObject(inputs), context: environment)
        .output
}

func fixture(_ name: String) throws -> Agent {
    try AgentLoader.load(path: Repository.url("fixtures/smythos-agents/\(name)").path)
}

/// A one-endpoint agent: APIEndpoint (POST, input `data`) → one component → its leaf result.
func singleComponentAgent(type: String, data: String, inputs: [String] = ["Data"], outputs: [String]) throws -> Agent {
    let inputPorts = inputs.enumerated().map { #"{"name": "\#($1)", "index": \#($0), "type": "Any"}"# }.joined(
        separator: ",")
    let outputPorts = outputs.enumerated().map { #"{"name": "\#($1)", "index": \#($0), "default": true}"# }.joined(
        separator: ",")
    let endpointOutputs =
        ["headers", "body", "query"].enumerated().map { #"{"name": "\#($1)", "index": \#($0), "default": true}"# }
        + inputs.enumerated().map { #"{"name": "body.\#($1.lowercased())", "index": \#($0 + 3)}"# }
    let links = inputs.indices.map {
        #"{"sourceId": "E", "sourceIndex": \#($0 + 3), "targetId": "C", "targetIndex": \#($0)}"#
    }
    let text = #"""
        {"components": [
          {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go", "method": "POST"}, "outputs": [\#(endpointOutputs.joined(separator: ","))]},
          {"id": "C", "name": "\#(type)", "title": "under test", "data": \#(data), "inputs": [\#(inputPorts)], "outputs": [\#(outputPorts)]}],
         "connections": [\#(links.joined(separator: ","))]}
        """#
    return try AgentLoader.parse(Array(text.utf8), source: "\(type).smyth")
}

extension JSONValue {
    /// `result.<output>` of a `{id, name, result}` entry.
    func result(_ output: String) -> JSONValue? {
        self["result"]?[output]
    }
}
