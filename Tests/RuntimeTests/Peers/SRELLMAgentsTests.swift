import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing
import Vault

/// The conformance suite's agents that hold LLM steps on real models (`conformance/sre/agents`:
/// `sre-llm`, `passthrough-llm-test`, `unit-tests-agent-randnum-randwords`), run through
/// `keyflow run` against the local stand-ins. Every model they name is mapped for the team
/// as a user would map it: OpenAI and Anthropic models to their APIs, the others (Groq,
/// Together, Gemini, SmythOS's Bedrock and Vertex custom models) to an OpenAI-compatible base
/// URL. SRE's own tests of these endpoints call live providers; here each answer is the
/// stand-in's echo of exactly what Keyflow sent, so the checks are exact.
@Suite(.serialized) struct SRELLMAgentsTests {
    static let key = "sk-conformance-canary-5e2a9c"

    /// Model name in the agents → (provider, model the stand-in is sent).
    static let routes: [(name: String, provider: LLMProvider, upstream: String)] = [
        ("gpt-4o", .openai, "gpt-4o-2024-08-06"),
        ("gpt-4o-mini", .openai, "gpt-4o-mini"),
        ("claude-3.5-haiku", .anthropic, "claude-3-5-haiku-latest"),
        ("groq-gemma2-9b", .openaiCompatible, "gemma2-9b-it"),
        (
            "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", .openaiCompatible,
            "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"
        ),
        ("gemini-1.5-flash-stable", .openaiCompatible, "gemini-1.5-flash-001"),
        ("SRE - Bedrock with AI21 Labs - Jamba-Instruct", .openaiCompatible, "ai21.jamba-instruct-v1:0"),
        ("SRE - Vertex AI with Gemini Flash", .openaiCompatible, "gemini-1.5-flash"),
        ("SRE - Bedrock does not support System Prompt", .openaiCompatible, "mistral.mistral-7b-instruct-v0:2"),
    ]

    final class Setup: @unchecked Sendable {
        let openAI: PeerServer
        let anthropic: PeerServer
        let home: URL

        init() async throws {
            let upstream = SRELLMAgentsTests.routes.filter { $0.provider != .anthropic }.flatMap {
                ["--model", $0.upstream]
            }
            openAI = try PeerServer(
                script: "llm_openai_server.py", arguments: ["--key", SRELLMAgentsTests.key] + upstream)
            anthropic = try PeerServer(
                script: "llm_anthropic_server.py",
                arguments: ["--key", SRELLMAgentsTests.key, "--model", "claude-3-5-haiku-latest"])
            home = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-sre-llm-\(UUID())")
            let vault = try await Vault.open(home: KeyflowHome(directory: home)).vault
            let openAIKey = try await vault.add(
                kind: "api-key", name: "OpenAI-compatible",
                input: ConnectionInput(text: ["apiKey": SRELLMAgentsTests.key], allowedHosts: [openAI.baseURL])
            ).id
            let anthropicKey = try await vault.add(
                kind: "api-key", name: "Anthropic",
                input: ConnectionInput(
                    text: ["apiKey": SRELLMAgentsTests.key, "headerName": "x-api-key"],
                    allowedHosts: [anthropic.baseURL])
            ).id
            for route in SRELLMAgentsTests.routes {
                let isAnthropic = route.provider == .anthropic
                try await vault.putModel(
                    name: route.name, provider: route.provider,
                    baseURL: (isAnthropic ? anthropic.baseURL : openAI.baseURL) + "/v1",
                    connection: isAnthropic ? anthropicKey : openAIKey, upstreamModel: route.upstream)
            }
        }

        func run(_ agent: String, endpoint: String, inputs: String) async throws -> JSONValue? {
            let file = home.appendingPathComponent("inputs-\(UUID()).json")
            try Data(inputs.utf8).write(to: file)
            let result = try await KeyflowCLI.runAsync(
                [
                    "run", Repository.url("conformance/sre/agents/\(agent)").path, "--endpoint", endpoint,
                    "--input-json", file.path, "--quiet", "--non-interactive",
                ], environment: ["KEYFLOW_HOME": home.path])
            #expect(result.status == 0, "\(agent) \(endpoint): \(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains(SRELLMAgentsTests.key))
            return try? JSONParser.parse(result.stdout)
        }

        /// The models the stand-ins were sent, in order.
        func modelsSent() async throws -> [String] {
            let transport = AsyncHTTPTransport()
            defer { Task { try? await transport.shutdown() } }
            var models: [String] = []
            for peer in [openAI, anthropic] {
                let response = try await transport.send(
                    HTTPTransportRequest(method: "GET", url: peer.baseURL + "/_requests"), timeout: .seconds(5))
                let requests = (try? JSONParser.parse(response.body))?.arrayValue ?? []
                models += requests.compactMap { $0["body"]?["model"]?.stringValue }
            }
            return models
        }

        func close() {
            openAI.stop()
            anthropic.stop()
            try? FileManager.default.removeItem(at: home)
        }
    }

    /// Each PromptGenerator endpoint of `sre-llm.smyth` answers with the model's reply to the
    /// rendered prompt, on the provider its model is mapped to.
    @Test func everyProviderEndpointOfSRELLMRuns() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let endpoints = [
            "test-openai-model", "test-anthropic-model", "test-groq-model", "test-togetherai-model",
            "test-googleai-model", "test-bedrock-model", "test-vertexai-model",
            "test-bedrock-model-that-does-not-support-system",
        ]
        for endpoint in endpoints {
            let output = try await setup.run(
                "sre-llm.smyth", endpoint: endpoint, inputs: #"{"Input": "Which planet?"}"#)
            #expect(
                output?["result"]?["Reply"] == .string("echo: Which planet?"),
                "\(endpoint): \(String(describing: output))")
        }
        // SRE's Echo test still answers with the prompt, parsed as JSON.
        let echo = try await setup.run(
            "sre-llm.smyth", endpoint: "test-echo", inputs: #"{"Input": "{\"a\":1,\"b\":2,\"c\":[1,2]}"}"#)
        #expect(echo?["result"]?["Reply"]?["c"] == .array([.number(1), .number(2)]), "\(String(describing: echo))")
        let sent = try await setup.modelsSent()
        #expect(
            Set(sent)
                == Set(Self.routes.filter { $0.name != "gpt-4o" }.map(\.upstream)), "\(sent)")
    }

    @Test func visionAndMultimodalEndpointsSendTheirFileURL() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let image = try await setup.run(
            "sre-llm.smyth", endpoint: "read-image-file-with-vision-llm",
            inputs: #"{"Input": "https://images.unsplash.com/photo-1721332155637-8b339526cf4c?q=10&w=300"}"#)
        #expect(
            image?["result"]?["Reply"] == .string("echo: What’s in this image? (+1 images)"),
            "\(String(describing: image))")
        let video = try await setup.run(
            "sre-llm.smyth", endpoint: "read-video-file-with-multimodal-llm",
            inputs: #"{"Input": "https://storage.googleapis.com/generativeai-downloads/images/GreatRedSpot.mp4"}"#)
        #expect(
            video?["result"]?["Reply"] == .string("echo: Describe the main events in this video. (+1 images)"),
            "\(String(describing: video))")
    }

    /// `passthrough-llm-test.smyth`: GenAILLM on gpt-4o behind a ForEach and in an Async job.
    /// (Its `story` endpoints reach the same step through an `FSleep` of 50 s each, which is
    /// not worth a minute of every test run; `OutputExpressionTests` covers how they reach it.)
    @Test func passthroughLLMTestRunsItsGenAILLMSteps() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        // The default `t` is 32 × "d": one GenAILLM call per item.
        let loop = try await setup.run("passthrough-llm-test.smyth", endpoint: "s", inputs: "{}")
        let items = loop?["result"]?["Output"]?["t"]?.arrayValue ?? []
        #expect(items.count == 32, "\(String(describing: loop))")
        #expect(items.allSatisfy { JSONWriter.string($0).contains("echo: Summarize d in one paragraph.") })
        // Async: a job runs two GenAILLM steps in a chain, and Await gives the last one's reply.
        let job = try await setup.run("passthrough-llm-test.smyth", endpoint: "t", inputs: #"{"y": "hello"}"#)
        let results = job?["result"]?["Results"]?.objectValue
        #expect(
            results?.keys.first.flatMap { results?[$0] }?["output"]?["result"]?["Reply"]
                == .string("echo: Summarize echo: Summarize hello in one paragraph. in one paragraph."),
            "\(String(describing: job))")
        #expect(try await setup.modelsSent().filter { $0 == "gpt-4o-2024-08-06" }.count == 34)
    }

    /// `unit-tests-agent-randnum-randwords.smyth`: custom outputs read from the JSON the model
    /// was asked for (SRE's output-format suffix and JSON instruction).
    @Test func randNumAndRandWordsRouteTheirCustomOutputs() async throws {
        let setup = try await Setup()
        defer { setup.close() }
        let number = try await setup.run(
            "unit-tests-agent-randnum-randwords.smyth", endpoint: "rand_number", inputs: #"{"min": 42, "max": 100}"#)
        #expect(
            number?["number"] == .string("generate a random number between 42 and 100"), "\(String(describing: number))"
        )
        let words = try await setup.run(
            "unit-tests-agent-randnum-randwords.smyth", endpoint: "rand_words",
            inputs: #"{"topic": "towels", "number": 5}"#)
        #expect(words?["keywords"] == .string("Generate 5 keywords about : towels"), "\(String(describing: words))")
        let version = try await setup.run(
            "unit-tests-agent-randnum-randwords.smyth", endpoint: "version", inputs: #"{"user_query": "?"}"#)
        #expect(version?["result"] == .string("v1.0.5"), "\(String(describing: version))")
    }
}
