import Foundation
import Runtime

/// SRE's input typing, as a run applies it to what an endpoint's caller sends: the input's
/// text goes to an APIEndpoint input of every type, and on to an Echo PromptGenerator that
/// renders it and reads its reply as lenient JSON. Exercises the number parsers (`parseFloat`,
/// `parseInt`), lenient JSON with its repairs, SRE's date forms and the prompt renderer.
/// Properties: nothing traps; a run either answers or fails with the typing error that names
/// the input; the same text gives the same answer.
enum TypingTarget {
    static let types = ["Any", "String", "Number", "Integer", "Boolean", "Array", "Object", "Date", "Binary"]

    static let agent: PreparedAgent? = {
        let inputs = types.enumerated().map { #"{"name": "\#($1.lowercased())", "type": "\#($1)", "index": \#($0)}"# }
        let outputs =
            [#"{"name": "body", "index": 0, "default": true}"#]
            + types.enumerated().map { #"{"name": "body.\#($1.lowercased())", "index": \#($0 + 1)}"# }
        let links = types.indices.map {
            #"{"sourceId": "E", "sourceIndex": \#($0 + 1), "targetId": "P", "targetIndex": \#($0)}"#
        }
        let promptInputs = types.enumerated().map {
            #"{"name": "\#($1.lowercased())", "type": "Any", "index": \#($0), "optional": true}"#
        }
        let prompt = types.map { "{{\($0.lowercased())}}" }.joined(separator: " | ")
        let text = #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "inputs": [\#(inputs.joined(separator: ","))], "outputs": [\#(outputs.joined(separator: ","))]},
              {"id": "P", "name": "PromptGenerator", "data": {"model": "Echo", "prompt": "\#(prompt)"}, "inputs": [\#(promptInputs.joined(separator: ","))], "outputs": [{"name": "Reply", "index": 0, "default": true}]}],
             "connections": [\#(links.joined(separator: ","))]}
            """#
        guard let agent = try? AgentLoader.parse(Array(text.utf8), source: "typing.smyth") else { return nil }
        return try? AgentPreparer.prepare(agent)
    }()

    static func run(_ bytes: [UInt8]) {
        guard let agent else {
            require(false, "the typing agent does not load")
            return
        }
        let value = text(bytes)
        let inputs = JSONObject(types.map { ($0.lowercased(), JSONValue.string(value)) })
        let first = answer(agent, inputs)
        switch first {
        case .success: break
        case .failure(let error):
            guard case .componentFailed(_, _, let message) = error else {
                require(false, "a typing failure is not a component's: \(error)")
                return
            }
            require(message.contains("value for input"), "a typing failure does not name the input: \(message)")
        }
        require(answer(agent, inputs) == first, "the same text gave another answer")
    }

    /// Runs the agent to the end from this (synchronous) fuzzer thread.
    static func answer(_ agent: PreparedAgent, _ inputs: JSONObject) -> Result<JSONValue, RunError> {
        runToEnd { () async -> Result<JSONValue, RunError> in
            do throws(RunError) {
                return .success(
                    try await Executor(agent: agent).run(endpoint: nil, inputs: inputs, context: RunEnvironment())
                        .output)
            } catch {
                return .failure(error)
            }
        } ?? .failure(.cancelled)
    }
}
