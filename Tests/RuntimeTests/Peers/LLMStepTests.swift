import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing
import Vault

/// The six LLM components through `keyflow run`, against the local OpenAI-style and
/// Anthropic-style stand-ins, which check the key from the vault, the model and the messages
/// and answer deterministically. Model names resolve per team through `keyflow models`; the
/// keys are canaries that must appear in no output, error or trace.
@Suite(.serialized) struct LLMStepTests {
    static let openAIKey = "sk-openai-canary-0b6e3f9a12c4"
    static let anthropicKey = "sk-ant-canary-7d1c4e8b20f5"

    /// A home with both stand-ins running, an API-key connection to each and two models:
    /// `gpt-4o-mini` (OpenAI) and `claude-3.5-haiku` (Anthropic, sent as `claude-sonnet-4-5`).
    final class Setup: @unchecked Sendable {
        let openAI: PeerServer
        let anthropic: PeerServer
        let directory: URL
        let home: KeyflowHome
        var openAIConnection = ""
        var anthropicConnection = ""

        init(openAIArguments: [String] = []) async throws {
            openAI = try PeerServer(
                script: "llm_openai_server.py", arguments: ["--key", LLMStepTests.openAIKey] + openAIArguments)
            anthropic = try PeerServer(
                script: "llm_anthropic_server.py", arguments: ["--key", LLMStepTests.anthropicKey])
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-llm-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            home = KeyflowHome(directory: directory.appendingPathComponent("home"))
            let vault = try await vault()
            openAIConnection = try await vault.add(
                kind: "api-key", name: "OpenAI",
                input: ConnectionInput(text: ["apiKey": LLMStepTests.openAIKey], allowedHosts: [openAI.baseURL])
            ).id
            anthropicConnection = try await vault.add(
                kind: "api-key", name: "Anthropic",
                input: ConnectionInput(
                    text: ["apiKey": LLMStepTests.anthropicKey, "headerName": "x-api-key"],
                    allowedHosts: [anthropic.baseURL])
            ).id
            try await vault.putModel(
                name: "gpt-4o-mini", provider: .openai, baseURL: openAI.baseURL + "/v1", connection: openAIConnection,
                upstreamModel: nil)
            try await vault.putModel(
                name: "claude-3.5-haiku", provider: .anthropic, baseURL: anthropic.baseURL + "/v1",
                connection: anthropicConnection, upstreamModel: "claude-sonnet-4-5")
        }

        func vault() async throws -> Vault { try await Vault.open(home: home).vault }

        /// Writes an agent: an endpoint `go` whose body fields feed `component`, and an
        /// APIOutput collecting its first outputs (by index), under the given names.
        func agent(_ component: String, inputs: [String], outputs: [String]) throws -> String {
            let endpointOutputs = inputs.enumerated().map { #"{"name": "body.\#($1)", "index": \#($0)}"# }
            let endpointInputs = inputs.enumerated().map { #"{"name": "\#($1)", "index": \#($0)}"# }
            let links =
                inputs.indices.map {
                    #"{"sourceId": "E", "sourceIndex": \#($0), "targetId": "L", "targetIndex": \#($0)}"#
                }
                + outputs.indices.map {
                    #"{"sourceId": "L", "sourceIndex": \#($0), "targetId": "O", "targetIndex": \#($0)}"#
                }
            let outputInputs = outputs.enumerated().map { #"{"name": "\#($1)", "index": \#($0), "optional": true}"# }
            let path = directory.appendingPathComponent("agent-\(UUID()).smyth").path
            try Data(
                #"""
                {"id": "llm-test", "name": "LLM test", "behavior": "You answer briefly.", "components": [
                  {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go", "method": "POST"}, "inputs": [\#(endpointInputs.joined(separator: ","))], "outputs": [\#(endpointOutputs.joined(separator: ","))]},
                  \#(component),
                  {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [\#(outputInputs.joined(separator: ","))], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
                 "connections": [\#(links.joined(separator: ","))]}
                """#.utf8
            ).write(to: URL(fileURLWithPath: path))
            return path
        }

        /// Runs `agent` with `inputs` as a user would; the keys never show.
        func run(_ agent: String, _ inputs: [String: String], extra: [String] = []) async throws -> (
            result: KeyflowCLI.Result, trace: [[String: Any]]
        ) {
            let trace = directory.appendingPathComponent("trace-\(UUID()).json").path
            var arguments = ["run", agent, "--non-interactive", "--quiet", "--trace", trace]
            for (name, value) in inputs.sorted(by: { $0.key < $1.key }) {
                arguments += ["--input", "\(name)=\(value)"]
            }
            let result = try await KeyflowCLI.runAsync(
                arguments + extra, environment: ["KEYFLOW_HOME": home.directory.path])
            let traceText = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
            for key in [LLMStepTests.openAIKey, LLMStepTests.anthropicKey] {
                #expect(!(result.stdout + result.stderr + traceText).contains(key), "a key leaked")
            }
            let entries = (try? JSONSerialization.jsonObject(with: Data(traceText.utf8))) as? [[String: Any]] ?? []
            return (result, entries)
        }

        func output(_ result: KeyflowCLI.Result) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
        }

        func requests(_ peer: PeerServer) async throws -> [[String: Any]] {
            let transport = AsyncHTTPTransport()
            defer { Task { try? await transport.shutdown() } }
            let response = try await transport.send(
                HTTPTransportRequest(method: "GET", url: peer.baseURL + "/_requests"), timeout: .seconds(5))
            let body = try JSONSerialization.jsonObject(with: Data(response.body))
            return (body as? [String: Any])?["requests"] as? [[String: Any]] ?? (body as? [[String: Any]] ?? [])
        }

        func close() {
            openAI.stop()
            anthropic.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static let models = ["gpt-4o-mini", "claude-3.5-haiku"]

    static func component(_ type: String, model: String, data: String = "", inputs: [String], outputs: [String])
        -> String
    {
        let inputPorts = inputs.enumerated().map { #"{"name": "\#($1)", "index": \#($0)}"# }
        let outputPorts = outputs.enumerated().map { index, name in
            let isDefault = ["Reply", "Response"].contains(name)
            return #"{"name": "\#(name)", "index": \#(index), "default": \#(isDefault)}"#
        }
        return #"""
            {"id": "L", "name": "\#(type)", "title": "\#(type)", "data": {"model": "\#(model)"\#(data.isEmpty ? "" : ", " + data)},
             "inputs": [\#(inputPorts.joined(separator: ","))], "outputs": [\#(outputPorts.joined(separator: ","))]}
            """#
    }

    @Test(arguments: models)
    func promptGeneratorRendersItsPromptAndRepliesWithUsageInTheTrace(model: String) async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let agent = try setup.agent(
            Self.component(
                "PromptGenerator", model: model,
                data: #""prompt": "Say {{Input}}", "temperature": "0.5", "maxTokens": "256""#,
                inputs: ["Input"], outputs: ["Reply"]), inputs: ["Input"], outputs: ["Reply"])
        let (result, trace) = try await setup.run(agent, ["Input": "hello"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(setup.output(result)["Reply"] as? String == "echo: Say hello", "\(result.stdout)")
        let llm = try #require(trace.first { $0["component"] as? String == "L" }?["llm"] as? [String: Any])
        #expect(llm["model"] as? String == (model == "gpt-4o-mini" ? "gpt-4o-mini" : "claude-sonnet-4-5"))
        #expect(llm["attempts"] as? Int == 1)
        let usage = try #require(llm["usage"] as? [String: Any])
        #expect((usage["input_tokens"] as? Int ?? 0) > 0 && (usage["output_tokens"] as? Int) == 3)
        let peer = model == "gpt-4o-mini" ? setup.openAI : setup.anthropic
        let sent = try #require(try await setup.requests(peer).last)
        let body = sent["body"] as? [String: Any]
        #expect(body?["temperature"] as? Double == 0.5, "the temperature is sent: \(sent)")
        // OpenAI itself takes the limit as max_completion_tokens; Anthropic as max_tokens.
        #expect(body?[model == "gpt-4o-mini" ? "max_completion_tokens" : "max_tokens"] as? Int == 256, "\(sent)")
    }

    @Test(arguments: models)
    func genAILLMWithACustomOutputAsksForJSONAndRoutesItsField(model: String) async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let agent = try setup.agent(
            Self.component(
                "GenAILLM", model: model, data: #""prompt": "{{Input}} [json]""#, inputs: ["Input"],
                outputs: ["echo", "Reply"]), inputs: ["Input"], outputs: ["echo"])
        let (result, _) = try await setup.run(agent, ["Input": "a number"])
        #expect(result.status == 0, "\(result.stderr)")
        // The JSON instruction went in a system prompt (the stand-in says so) and the answer's
        // `echo` field flows on the custom output of that name.
        let echoed = setup.output(result)["echo"] as? String ?? ""
        #expect(echoed.hasPrefix("a number"), "\(result.stdout)")
        #expect(echoed.contains("Expected output format"))
    }

    @Test(arguments: models)
    func llmAssistantSendsItsBehaviorAsTheSystemPrompt(model: String) async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let agent = try setup.agent(
            Self.component(
                "LLMAssistant", model: model, data: #""behavior": "You are terse.""#, inputs: ["UserInput"],
                outputs: ["Response"]), inputs: ["UserInput"], outputs: ["Response"])
        let (result, _) = try await setup.run(agent, ["UserInput": "hi"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(setup.output(result)["Response"] as? String == "[system] echo: hi", "\(result.stdout)")
    }

    /// The turns of a request the stand-in recorded, as `role: text`, the system prompt first
    /// (Anthropic's top-level `system`, OpenAI's system message).
    static func turns(of request: [String: Any]) -> [String] {
        let body = request["body"] as? [String: Any] ?? [:]
        func text(_ content: Any?) -> String {
            if let text = content as? String { return text }
            let parts = content as? [[String: Any]] ?? []
            return parts.compactMap { $0["text"] as? String }.joined(separator: " ")
        }
        let system = body["system"].map { ["system: " + text($0)] } ?? []
        let messages = body["messages"] as? [[String: Any]] ?? []
        return system + messages.map { "\($0["role"] as? String ?? "?"): " + text($0["content"]) }
    }

    @Test(arguments: models)
    func llmAssistantRemembersEachConversationInTheVault(model: String) async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let ports = ["UserInput", "UserId", "ConversationId"]
        let terse = try setup.agent(
            Self.component(
                "LLMAssistant", model: model, data: #""behavior": "You are terse.", "ttl": "3600""#, inputs: ports,
                outputs: ["Response"]), inputs: ports, outputs: ["Response"])
        let peer = model == "gpt-4o-mini" ? setup.openAI : setup.anthropic
        for turn in ["one", "two", "three"] {
            let (result, _) = try await setup.run(terse, ["UserInput": turn, "UserId": "ann", "ConversationId": "c1"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(setup.output(result)["Response"] as? String == "[system] echo: \(turn)", "\(result.stdout)")
        }
        let third = try #require(try await setup.requests(peer).last)
        #expect(
            Self.turns(of: third) == [
                "system: You are terse.", "user: one", "assistant: [system] echo: one", "user: two",
                "assistant: [system] echo: two", "user: three",
            ])

        // Another conversation starts afresh; a changed behavior does not replace the stored one (as in SRE).
        let verbose = try setup.agent(
            Self.component(
                "LLMAssistant", model: model, data: #""behavior": "You are verbose.""#, inputs: ports,
                outputs: ["Response"]), inputs: ports, outputs: ["Response"])
        _ = try await setup.run(verbose, ["UserInput": "four", "UserId": "ann", "ConversationId": "c2"])
        #expect(
            try await Self.turns(of: #require(setup.requests(peer).last)) == ["system: You are verbose.", "user: four"])
        _ = try await setup.run(verbose, ["UserInput": "five", "UserId": "ann", "ConversationId": "c1"])
        let continued = try await Self.turns(of: #require(setup.requests(peer).last))
        #expect(continued.first == "system: You are terse." && continued.count == 8, "\(continued)")

        // Without a user or conversation id nothing is kept.
        for turn in ["six", "seven"] {
            let (result, _) = try await setup.run(verbose, ["UserInput": turn, "UserId": "", "ConversationId": ""])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(
            try await Self.turns(of: #require(setup.requests(peer).last)) == [
                "system: You are verbose.", "user: seven",
            ])
        let vault = try await setup.vault()
        #expect(try await vault.conversation(agent: "llm-test", key: "conv-u-c") == nil)
        let stored = try #require(try await vault.conversation(agent: "llm-test", key: "conv-uann-cc1"))
        #expect(
            stored.count == 9 && stored.last == ConversationMessage(role: .assistant, content: "[system] echo: five"))

        // A ttl that is not a number of seconds is refused, naming it.
        let badTTL = try setup.agent(
            Self.component(
                "LLMAssistant", model: model, data: #""behavior": "x", "ttl": "soon""#, inputs: ports,
                outputs: ["Response"]), inputs: ports, outputs: ["Response"])
        let (refused, _) = try await setup.run(badTTL, ["UserInput": "x", "UserId": "ann", "ConversationId": "c1"])
        #expect(refused.status != 0 && refused.stderr.contains("ttl"), "\(refused.stderr)")
    }

    @Test(arguments: models)
    func classifierFiresOnlyTheChosenCategory(model: String) async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let agent = try setup.agent(
            Self.component(
                "Classifier", model: model, data: #""prompt": "Classify the input. [classify:sad|happy|excited]""#,
                inputs: ["Input"], outputs: ["happy", "sad", "excited"]), inputs: ["Input"],
            outputs: ["happy", "sad", "excited"])
        let (result, _) = try await setup.run(agent, ["Input": "I'm upset"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = setup.output(result)
        #expect(output["sad"] as? Bool == true && output["happy"] == nil && output["excited"] == nil, "\(output)")
    }

    @Test(arguments: models)
    func visionAndMultimodalSendTheirImages(model: String) async throws {
        let setup = try await Setup()
        defer { setup.close() }
        // A 1×1 PNG, as base64, and an image URL.
        let png =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        for (type, input) in [("VisionLLM", "Images"), ("MultimodalLLM", "Input")] {
            let agent = try setup.agent(
                Self.component(
                    type, model: model, data: #""prompt": "What is in this image?""#, inputs: [input],
                    outputs: ["Reply"]), inputs: [input], outputs: ["Reply"])
            let (result, _) = try await setup.run(agent, [input: png])
            #expect(result.status == 0, "\(type): \(result.stderr)")
            #expect(
                setup.output(result)["Reply"] as? String == "echo: What is in this image? (+1 images)",
                "\(type): \(result.stdout)")
        }
    }

    @Test func aTransient503IsRetriedAndAnAnthropicRateLimitIsReportedAsOne() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let flaky = try setup.agent(
            Self.component(
                "PromptGenerator", model: "gpt-4o-mini", data: #""prompt": "{{Input}} [fail-once:503]""#,
                inputs: ["Input"], outputs: ["Reply"]), inputs: ["Input"], outputs: ["Reply"])
        let (recovered, trace) = try await setup.run(flaky, ["Input": "again"])
        #expect(recovered.status == 0, "\(recovered.stderr)")
        let llm = trace.first { $0["component"] as? String == "L" }?["llm"] as? [String: Any]
        #expect(llm?["attempts"] as? Int == 2, "\(String(describing: llm))")

        let limited = try setup.agent(
            Self.component(
                "PromptGenerator", model: "claude-3.5-haiku", data: #""prompt": "{{Input}} [fail:429]""#,
                inputs: ["Input"], outputs: ["Reply"]), inputs: ["Input"], outputs: ["Reply"])
        // The stand-in asks to wait 1 s; a run allowed 2 s gives up when the next wait would
        // pass its wall time, and says it was rate limited.
        let (refused, _) = try await setup.run(limited, ["Input": "now"], extra: ["--max-run-seconds", "2"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("rate limit") || refused.stderr.contains("429"), "\(refused.stderr)")
    }

    /// A provider whose 401 quotes the key it was sent (as OpenAI's "Incorrect API key
    /// provided: sk-…" does): the error the run shows has it masked.
    @Test func aProviderEchoingTheKeyInAnErrorShowsItMasked() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let echoing = try TinyHTTPServer { _ in
            .response(
                status: 401, contentType: "application/json",
                body: #"{"error": {"message": "Incorrect API key provided: \#(LLMStepTests.openAIKey)."}}"#)
        }
        defer { echoing.stop() }
        let vault = try await setup.vault()
        let connection = try await vault.add(
            kind: "api-key", name: "Echoing",
            input: ConnectionInput(text: ["apiKey": LLMStepTests.openAIKey], allowedHosts: [echoing.baseURL])
        ).id
        try await vault.putModel(
            name: "echoing", provider: .openaiCompatible, baseURL: echoing.baseURL + "/v1", connection: connection)
        let agent = try setup.agent(
            Self.component(
                "PromptGenerator", model: "echoing", data: #""prompt": "{{Input}}""#, inputs: ["Input"],
                outputs: ["Reply"]),
            inputs: ["Input"], outputs: ["Reply"])
        // `run` fails the test if the key shows anywhere in the output, errors or trace.
        let (result, _) = try await setup.run(agent, ["Input": "x"])
        #expect(result.status != 0 && result.stderr.contains("Incorrect API key provided: ••••"), "\(result.stderr)")
    }

    /// The two LLM examples of `workflows/`, as the README runs them, against the stand-ins.
    @Test func theLLMExamplesRun() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let (summary, _) = try await setup.run(
            Repository.url("workflows/summarize-with-llm.smyth").path, ["text": "Keyflow runs agents."])
        #expect(summary.status == 0, "\(summary.stderr)")
        let output = setup.output(summary)
        #expect((output["summary"] as? String)?.hasSuffix("Text: Keyflow runs agents.") == true, "\(output)")
        #expect(output["keywords"] != nil)
        let (triage, _) = try await setup.run(
            Repository.url("workflows/triage-ticket-with-llm.smyth").path,
            ["ticket": "Export crashes [classify:bug|feature|question]"])
        #expect(triage.status == 0, "\(triage.stderr)")
        #expect(setup.output(triage).keys.sorted() == ["bug"], "\(triage.stdout)")
    }

    @Test func aRejectedKeyMarksTheConnectionAndAnUnknownModelSaysHowToAddIt() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let vault = try await setup.vault()
        try await vault.edit(setup.openAIConnection, input: ConnectionInput(text: ["apiKey": "sk-wrong-key-123456"]))
        let agent = try setup.agent(
            Self.component(
                "PromptGenerator", model: "gpt-4o-mini", data: #""prompt": "{{Input}}""#, inputs: ["Input"],
                outputs: ["Reply"]), inputs: ["Input"], outputs: ["Reply"])
        let (refused, _) = try await setup.run(agent, ["Input": "x"])
        #expect(refused.status != 0 && refused.stderr.contains("needs-reauth"), "\(refused.stderr)")
        #expect(try await vault.connection(setup.openAIConnection).status == .needsReauth)
        #expect(!refused.stderr.contains("sk-wrong-key-123456"))

        let unknown = try setup.agent(
            Self.component(
                "GenAILLM", model: "mistral-large", data: #""prompt": "{{Input}}""#, inputs: ["Input"],
                outputs: ["Reply"]), inputs: ["Input"], outputs: ["Reply"])
        let (missing, _) = try await setup.run(unknown, ["Input": "x"])
        #expect(missing.status != 0 && missing.stderr.contains("keyflow models add mistral-large"), "\(missing.stderr)")
    }
}
