import Foundation
import Runtime
import Testing

struct AgentValidatorTests {
    static func agent(_ text: String) throws -> Agent {
        try AgentLoader.parse(Array(text.utf8), source: "test.smyth")
    }

    @Test(arguments: ["crypto-info-agent.smyth", "functions-components.smyth"])
    func bothFixturesValidate(file: String) throws {
        #expect(AgentValidator.validate(try fixture(file)).isEmpty)
    }

    @Test func everyProblemIsReportedWithComponentTitleAndPath() throws {
        let agent = try Self.agent(
            #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "title": "Start", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "A", "name": "APICall", "title": "Call", "data": {"method": "FETCH", "url": "https://x.example/{{missing}}", "contentType": "text/csv"},
               "inputs": [{"name": "q", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]},
              {"id": "A", "name": "FHash", "title": "Dup", "data": {"algorithm": "whirlpool"}},
              {"id": "L", "name": "ImageGenerator", "title": "Think"},
              {"id": "X", "name": "Teleport", "title": "Beam"},
              {"id": "S", "name": "FSleep", "title": "s1", "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0}]},
              {"id": "T", "name": "FSleep", "title": "s2", "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0}]},
              {"id": "O", "name": "APIOutput", "data": {"format": "tiny"}}],
             "connections": [
              {"sourceId": "E", "sourceIndex": 0, "targetId": "A", "targetIndex": 5},
              {"sourceId": "Z", "sourceIndex": 0, "targetId": "A", "targetIndex": 0},
              {"sourceId": "E", "sourceIndex": "nope", "targetId": "A", "targetIndex": 0},
              {"sourceId": "S", "sourceIndex": 0, "targetId": "T", "targetIndex": 0},
              {"sourceId": "T", "sourceIndex": 0, "targetId": "S", "targetIndex": 0}]}
            """#)
        let issues = AgentValidator.validate(agent).map(\.description)
        let expected = [
            #"components[2].id (A “Dup”): duplicate id: components[1] has the same id"#,
            #"components[1].data.contentType (A “Call”): "text/csv" is not one of none, application/json, multipart/form-data, binary, application/x-www-form-urlencoded, text/plain, application/xml"#,
            #"components[1].data.method (A “Call”): "FETCH" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"#,
            #"components[1].data.url (A “Call”): {{missing}} references nothing: A “Call” has no input "missing" and the agent no variable of that name"#,
            #"components[2].data.algorithm (A “Dup”): "whirlpool" is not one of md5, sha1, sha256, sha384, sha512, sha3-256, sha3-384, sha3-512"#,
            #"components[3].name (L “Think”): ImageGenerator is not supported: it calls a model provider for images, speech or assistants, which Keyflow does not run (its text and vision LLM steps it does)"#,
            #"components[4].name (X “Beam”): unknown component type "Teleport""#,
            #"components[7].data.format (O): "tiny" is not one of full, minimal, raw"#,
            #"connections[0].targetIndex (A “Call”): A “Call” has no input #5 (its inputs: q)"#,
            #"connections[1].sourceId: no component has id "Z""#,
            #"connections[2].sourceIndex (E “Start”): E “Start” has no output "nope" (its outputs: body)"#,
            #"components[5] (S “s1”): the connections form a cycle: S → T → S"#,
        ]
        for line in expected {
            #expect(issues.contains(line), "missing: \(line)\ngot:\n\(issues.joined(separator: "\n"))")
        }
        #expect(issues.count == expected.count, "\(issues.joined(separator: "\n"))")
        #expect(AgentValidator.validate(agent).filter(\.isUnsupported).count == 1)
    }

    /// A type that cannot run is named once, at its first component, with the others of its
    /// type; each type says why.
    @Test func eachUnsupportedTypeIsNamedOnceWithWhy() throws {
        let agent = try Self.agent(
            #"""
            {"components": [
              {"id": "A", "name": "ImageGenerator", "data": {}}, {"id": "B", "name": "Code", "data": {}},
              {"id": "C", "name": "ImageGenerator", "data": {}}, {"id": "D", "name": "ImageGenerator", "data": {}},
              {"id": "E", "name": "Async", "data": {}}, {"id": "F", "name": "PromptGenerator", "data": {"model": "Echo"}},
              {"id": "G", "name": "PromptGenerator", "data": {"model": "gpt-4o"}}]}
            """#)
        let unsupported = AgentValidator.validate(agent).filter(\.isUnsupported).map(\.description)
        #expect(
            unsupported == [
                "components[0].name (A): ImageGenerator is not supported: it calls a model provider for images, speech or assistants, which Keyflow does not run (its text and vision LLM steps it does) (also C, D)",
                "components[1].name (B): Code is not supported: it runs user code, which needs a sandbox Keyflow does not have",
            ], "\(unsupported)")
    }

    /// A run from one endpoint is refused only for the types it can reach: an image step behind
    /// another endpoint does not stop it, and it is still reported for the whole agent.
    @Test func aRunIsRefusedOnlyForTheUnsupportedStepsItCanReach() throws {
        let agent = try Self.agent(
            #"""
            {"components": [
              {"id": "E1", "name": "APIEndpoint", "data": {"endpoint": "plain"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "O", "name": "APIOutput", "data": {}, "inputs": [{"name": "x", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]},
              {"id": "E2", "name": "APIEndpoint", "data": {"endpoint": "llm"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "L", "name": "ImageGenerator", "data": {}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Reply", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E1", "sourceIndex": 0, "targetId": "O", "targetIndex": 0},
                             {"sourceId": "E2", "sourceIndex": 0, "targetId": "L", "targetIndex": 0}]}
            """#)
        #expect(AgentValidator.validate(agent, forRunFrom: "plain").isEmpty)
        #expect(AgentValidator.validate(agent, forRunFrom: "llm").map(\.componentID) == ["L"])
        #expect(AgentValidator.validate(agent, forRunFrom: nil).map(\.componentID) == ["L"])
        #expect(AgentValidator.validate(agent).map(\.componentID) == ["L"])
    }

    @Test func variablesSatisfyTemplates() throws {
        let agent = try Self.agent(
            #"""
            {"variables": {"region": "eu"}, "components": [
              {"id": "A", "name": "APICall", "data": {"method": "GET", "url": "https://{{region}}.example/x", "allowedHosts": ["eu.example"], "headers": "{\"X-Key\": \"{{KEY(K)}}\"}"}}]}
            """#)
        #expect(AgentValidator.validate(agent).isEmpty)
    }

    @Test func tenThousandComponentsValidateAndRun() async throws {
        var components = [
            #"{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]}"#
        ]
        var connections: [String] = []
        for index in 0..<10_000 {
            components.append(
                #"{"id": "C\#(index)", "name": "FSleep", "data": {"delay": "0"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}"#
            )
            connections.append(
                #"{"sourceId": "\#(index == 0 ? "E" : "C\(index - 1)")", "sourceIndex": 0, "targetId": "C\#(index)", "targetIndex": 0}"#
            )
        }
        let agent = try Self.agent(
            #"{"components": [\#(components.joined(separator: ","))], "connections": [\#(connections.joined(separator: ","))]}"#
        )
        #expect(AgentValidator.validate(agent).isEmpty)
        // The wall-time limit is not under test: 10,000 waiting steps took over 50 s of it on a
        // loaded 2-core CI machine (1 s alone).
        var executor = Executor(agent: try AgentPreparer.prepare(agent))
        executor.limits.wallTime = .seconds(600)
        let result = try await executor.run(
            endpoint: nil, inputs: JSONObject([("v", .number(7))]), context: RunEnvironment()
        ).output
        #expect(result["id"] == .string("C9999"))
        #expect(result.result("Output")?["v"] == .number(7))
    }
}
