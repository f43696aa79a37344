import Foundation
import Runtime
import TestSupport
import Testing

/// An output port's `expression` (SRE's `JSONExpression(output, expression || name)`): Studio
/// names an endpoint's input output `first_name` and reads it from `body.first_name`, as SRE's
/// `passthrough-llm-test.smyth` does. Before the fix the value never left the endpoint, so
/// nothing behind it ran.
struct OutputExpressionTests {
    @Test func anOutputNamedByItsFieldReadsTheExpressionsPath() async throws {
        let agent = try AgentLoader.parse(
            Array(
                #"""
                {"components": [
                  {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go", "method": "POST"},
                   "inputs": [{"name": "first_name", "index": 0}],
                   "outputs": [{"name": "headers", "index": 0, "default": true}, {"name": "body", "index": 1, "default": true},
                               {"name": "first_name", "index": 2, "expression": "body.first_name"}]},
                  {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "greeted", "index": 0}],
                   "outputs": [{"name": "Output", "index": 0, "default": true}]}],
                 "connections": [{"sourceId": "E", "sourceIndex": 2, "targetId": "O", "targetIndex": 0}]}
                """#.utf8), source: "expression.smyth")
        let output = try await runAgent(agent, inputs: [("first_name", .string("Ada"))])
        #expect(output["greeted"] == .string("Ada"), "\(output)")
    }
}
