import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing

/// `LLMClient` over the real `AsyncHTTPTransport` against the two stand-ins of `peers/`
/// (`llm_openai_server.py`, `llm_anthropic_server.py`) running as processes: round trips,
/// recovery from a 503, a rate limit that outlasts the attempts, and what the stand-ins
/// recorded of the requests (model, messages, headers; never the key).
@Suite(.serialized) struct LLMPeerTests {
    static let key = "sk-test-0123456789abcd"

    /// Adds the API key header the way the vault's transport will; the client never does.
    struct KeyHeaderTransport: HTTPTransport {
        let base: any HTTPTransport
        let header: (name: String, value: String)

        func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
            var keyed = request
            keyed.headers.append(header)
            return try await base.send(keyed, timeout: timeout)
        }
    }

    /// A running stand-in and a transport to it.
    struct Peer {
        let server: PeerServer
        let transport: AsyncHTTPTransport
        let api: LLMAPI

        var baseURL: String { server.baseURL + "/v1" }

        /// A client whose transport adds `key` as this API expects it, with short backoffs.
        func client(key: String = LLMPeerTests.key, policy: LLMRetryPolicy = .init(initialBackoff: .milliseconds(50)))
            -> LLMClient
        {
            let header =
                api == .openAIChat ? (name: "Authorization", value: "Bearer \(key)") : (name: "x-api-key", value: key)
            return LLMClient(
                transport: KeyHeaderTransport(base: transport, header: header), policy: policy,
                redact: { SecretMask.redact($0, secrets: [key]) })
        }

        /// What the stand-in recorded (`GET /_requests`).
        func requests() async throws -> [JSONValue] {
            let response = try await transport.send(
                HTTPTransportRequest(method: "GET", url: server.baseURL + "/_requests"), timeout: .seconds(10))
            return try #require(try JSONParser.parse(response.body).arrayValue)
        }
    }

    /// Runs `body` with the stand-in of `api` started (off the cooperative threads, as its
    /// start and stop wait on the process), and stops it whatever happens.
    static func withPeer(
        _ api: LLMAPI, arguments: [String] = [], _ body: (Peer) async throws -> Void
    ) async throws {
        let script = api == .openAIChat ? "llm_openai_server.py" : "llm_anthropic_server.py"
        let server = try await blockingWork { try PeerServer(script: script, arguments: ["--key", key] + arguments) }
        let transport = AsyncHTTPTransport()
        do {
            try await body(Peer(server: server, transport: transport, api: api))
        } catch {
            try? await transport.shutdown()
            _ = try? await blockingWork { server.stop() }
            throw error
        }
        try await transport.shutdown()
        _ = try await blockingWork { server.stop() }
    }

    static let conversation = [
        LLMMessage(role: .system, text: "Be brief."),
        LLMMessage(
            role: .user, content: [.text("Hello there"), .image(mediaType: "image/png", base64: "iVBORw0KGgo=")]),
    ]

    @Test func openAIChatRoundTrip() async throws {
        try await Self.withPeer(.openAIChat) { peer in
            let reply = try await peer.client().complete(
                LLMRequest(model: "gpt-4o-mini", messages: Self.conversation, temperature: 0.2),
                api: .openAIChat, baseURL: peer.baseURL)
            #expect(reply.text == "[system] echo: Hello there (+1 images)")
            #expect(reply.finishReason == "stop")
            #expect(reply.model == "gpt-4o-mini")
            #expect(reply.usage == LLMUsage(inputTokens: 4, outputTokens: 6, total: 10))
            #expect(reply.attempts == 1 && reply.waited == .zero)

            let recorded = try await peer.requests()
            #expect(recorded.count == 1)
            let request = try #require(recorded.first)
            #expect(request["path"]?.stringValue == "/v1/chat/completions")
            #expect(request["status"]?.numberValue == 200)
            #expect(request["headers"]?["content-type"]?.stringValue == "application/json")
            #expect(request["headers"]?["accept"]?.stringValue == "application/json")
            #expect(request["auth"]?["matched"]?.boolValue == true)
            #expect(request["auth"]?["key_last4"]?.stringValue == "abcd")
            #expect(request["body"]?["model"]?.stringValue == "gpt-4o-mini")
            #expect(request["body"]?["temperature"]?.numberValue == 0.2)
            let messages = try #require(request["body"]?["messages"]?.arrayValue)
            #expect(messages.map { $0["role"]?.stringValue } == ["system", "user"])
            #expect(
                messages[1]["content"]?.arrayValue?[1]["image_url"]?["url"]?.stringValue
                    == "data:image/png;base64,iVBORw0KGgo=")
        }
    }

    @Test func anthropicMessagesRoundTrip() async throws {
        try await Self.withPeer(.anthropicMessages) { peer in
            let reply = try await peer.client().complete(
                LLMRequest(model: "claude-sonnet-4-5", messages: Self.conversation),
                api: .anthropicMessages, baseURL: peer.baseURL)
            #expect(reply.text == "[system] echo: Hello there (+1 images)")
            #expect(reply.finishReason == "end_turn")
            #expect(reply.model == "claude-sonnet-4-5")
            #expect(reply.usage == LLMUsage(inputTokens: 4, outputTokens: 6))

            let request = try #require(try await peer.requests().first)
            #expect(request["path"]?.stringValue == "/v1/messages")
            #expect(request["headers"]?["anthropic-version"]?.stringValue == "2023-06-01")
            #expect(request["headers"]?["x-api-key"] == nil)  // never recorded
            #expect(request["auth"]?["matched"]?.boolValue == true)
            #expect(request["body"]?["system"]?.stringValue == "Be brief.")
            #expect(request["body"]?["max_tokens"]?.numberValue == 1024)
            #expect(request["body"]?["messages"]?.arrayValue?.count == 1)
            #expect(request["body"]?["messages"]?.arrayValue?.first?["role"]?.stringValue == "user")
        }
    }

    @Test(arguments: [LLMAPI.openAIChat, .anthropicMessages])
    func directivesJSONClassifyAndMaxTokens(api: LLMAPI) async throws {
        try await Self.withPeer(api) { peer in
            let client = peer.client()
            var json = ask("[json] tell me")
            json.jsonResponse = true
            #expect(try await client.complete(json, api: api, baseURL: peer.baseURL).text == #"{"echo": "tell me"}"#)
            let classified = try await client.complete(
                ask("[classify:spam|ham] buy now"), api: api, baseURL: peer.baseURL)
            #expect(classified.text == #"{"spam": true, "ham": ""}"#)
            var short = ask("one two three four five")
            short.maxTokens = 2
            let cut = try await client.complete(short, api: api, baseURL: peer.baseURL)
            #expect(cut.text == "echo: one")
            #expect(cut.finishReason == (api == .openAIChat ? "length" : "max_tokens"))
            let bodies = try await peer.requests().map { $0["body"] }
            #expect(bodies[0]?["response_format"]?["type"]?.stringValue == (api == .openAIChat ? "json_object" : nil))
        }
    }

    @Test(arguments: [LLMAPI.openAIChat, .anthropicMessages])
    func aFailOnce503IsRetriedAndRecovers(api: LLMAPI) async throws {
        try await Self.withPeer(api) { peer in
            let reply = try await peer.client().complete(ask("[fail-once:503] again"), api: api, baseURL: peer.baseURL)
            #expect(reply.text == "echo: again")
            #expect(reply.attempts == 2)
            #expect(reply.waited > .zero)
            #expect(try await peer.requests().compactMap { $0["status"]?.numberValue } == [503, 200])
        }
    }

    @Test(arguments: [LLMAPI.openAIChat, .anthropicMessages])
    func aRateLimitOnEveryAttemptIsReportedAsARateLimit(api: LLMAPI) async throws {
        try await Self.withPeer(api, arguments: ["--retry-after", "1"]) { peer in
            let error = await #expect(throws: LLMError.self) {
                try await peer.client().complete(ask("[fail:429] now"), api: api, baseURL: peer.baseURL)
            }
            #expect(error == .rateLimited(retryAfter: .seconds(1), attempts: 4))
            let shown = error.map(\.description)
            #expect(shown == "rate limited by the provider (HTTP 429) after 4 attempts; it asked to wait 1 s")
            let statuses = try await peer.requests().compactMap { $0["status"]?.numberValue }
            #expect(statuses == [429, 429, 429, 429])
        }
    }

    @Test(arguments: [LLMAPI.openAIChat, .anthropicMessages])
    func aWrongKeyIsUnauthorizedAtOnceAndNotShown(api: LLMAPI) async throws {
        try await Self.withPeer(api) { peer in
            let error = await #expect(throws: LLMError.self) {
                try await peer.client(key: "sk-wrong-key-000000").complete(ask("Hi"), api: api, baseURL: peer.baseURL)
            }
            guard case .unauthorized(let status, _) = error else {
                Issue.record("\(String(describing: error))"); return
            }
            #expect(status == 401)
            let shown = error.map(\.description) ?? ""
            #expect(!shown.contains("sk-wrong-key"))
            let sent = try await peer.requests().count
            #expect(sent == 1)
        }
    }

    @Test func aBadRequestIsRejectedWithTheProvidersMessage() async throws {
        try await Self.withPeer(.anthropicMessages) { peer in
            var request = ask("Hi", model: "claude")
            request.temperature = 1.5  // Anthropic allows 0-1
            await #expect(
                throws: LLMError.rejected(
                    status: 400, message: "temperature: Input should be a number from 0 to 1, got 1.5")
            ) { try await peer.client().complete(request, api: .anthropicMessages, baseURL: peer.baseURL) }
        }
    }
}
