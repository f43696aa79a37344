import OAuthCore
import Runtime
import Testing

/// The exact bodies, URLs and headers `LLMClient` sends in each API's shape.
@Suite struct LLMEncodingTests {
    static let conversation = [
        LLMMessage(role: .system, text: "Be brief."),
        LLMMessage(role: .user, text: "Hello"),
        LLMMessage(role: .assistant, text: "Hi."),
        LLMMessage(
            role: .user,
            content: [
                .text("What is this?"), .image(mediaType: "image/png", base64: "iVBORw=="),
                .imageURL("https://example.com/cat.jpg"),
            ]),
    ]

    /// Sends `request` to a transport that answers `answer`, and returns what was sent.
    static func sent(_ request: LLMRequest, api: LLMAPI, answer: ScriptedTransport.Step = .openAIOK) async throws
        -> HTTPTransportRequest
    {
        let transport = ScriptedTransport([answer])
        _ = try await LLMClient.scripted(transport, sleeps: RecordedSleeps())
            .complete(request, api: api, baseURL: "https://llm.example/v1/")
        return try #require(transport.requests.first)
    }

    static let anthropicOK = ScriptedTransport.Step.json(
        200, #"{"model":"claude","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn"}"#)

    @Test func openAIChatBodyWithImagesAndEverySetting() async throws {
        let request = LLMRequest(
            model: "gpt-4o-mini", messages: Self.conversation, temperature: 0.5, maxTokens: 200, topP: 0.9,
            stop: ["END"], jsonResponse: true)
        let sent = try await Self.sent(request, api: .openAIChat)
        #expect(sent.method == "POST")
        #expect(sent.url == "https://llm.example/v1/chat/completions")
        #expect(sent.header("content-type") == "application/json")
        #expect(sent.header("accept") == "application/json")
        #expect(sent.header("anthropic-version") == nil)
        #expect(sent.header("authorization") == nil)  // the transport's business
        #expect(
            sent.bodyText
                == #"{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},"#
                + #"{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi."},"#
                + #"{"role":"user","content":[{"type":"text","text":"What is this?"},"#
                + #"{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw=="}},"#
                + #"{"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}],"#
                + #""temperature":0.5,"max_tokens":200,"top_p":0.9,"stop":["END"],"#
                + #""response_format":{"type":"json_object"}}"#)
    }

    @Test func openAIItselfGetsTheTokenLimitAsMaxCompletionTokens() async throws {
        var request = ask("Hi")
        request.maxTokens = 64
        request.usesMaxCompletionTokens = true
        let sent = try await Self.sent(request, api: .openAIChat)
        #expect(
            sent.bodyText
                == #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"max_completion_tokens":64}"#)
    }

    @Test func openAIChatLeavesOutWhatWasNotAskedFor() async throws {
        let sent = try await Self.sent(ask("Hi"), api: .openAIChat)
        #expect(sent.bodyText == #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}"#)
    }

    @Test func anthropicBodyTakesTheSystemPromptOutAndRenamesStop() async throws {
        let request = LLMRequest(
            model: "claude-sonnet-4-5", messages: Self.conversation, temperature: 0.5, maxTokens: 200, topP: 0.9,
            stop: ["END"], jsonResponse: true)
        let sent = try await Self.sent(request, api: .anthropicMessages, answer: Self.anthropicOK)
        #expect(sent.url == "https://llm.example/v1/messages")
        #expect(sent.header("anthropic-version") == "2023-06-01")
        #expect(sent.header("content-type") == "application/json")
        #expect(sent.header("accept") == "application/json")
        #expect(sent.header("x-api-key") == nil)
        #expect(
            sent.bodyText
                == #"{"model":"claude-sonnet-4-5","max_tokens":200,"system":"Be brief.","messages":["#
                + #"{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi."},"#
                + #"{"role":"user","content":[{"type":"text","text":"What is this?"},"#
                + #"{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw=="}},"#
                + #"{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}],"#
                + #""temperature":0.5,"top_p":0.9,"stop_sequences":["END"]}"#)
    }

    @Test func anthropicDefaultsMaxTokensAndJoinsSystemMessages() async throws {
        let request = LLMRequest(
            model: "claude",
            messages: [
                LLMMessage(role: .system, text: "One."), LLMMessage(role: .system, text: "Two."),
                LLMMessage(role: .user, text: "Hi"),
            ])
        let sent = try await Self.sent(request, api: .anthropicMessages, answer: Self.anthropicOK)
        #expect(
            sent.bodyText
                == #"{"model":"claude","max_tokens":1024,"system":"One.\n\nTwo.","#
                + #""messages":[{"role":"user","content":"Hi"}]}"#)
    }

    @Test func anthropicRefusesAnImageInTheSystemPromptWithoutSending() async throws {
        let transport = ScriptedTransport([Self.anthropicOK])
        let request = LLMRequest(
            model: "claude",
            messages: [
                LLMMessage(role: .system, content: [.imageURL("https://example.com/x.png")]),
                LLMMessage(role: .user, text: "Hi"),
            ])
        await #expect(throws: LLMError.invalidRequest("Anthropic's system prompt takes text only, not images")) {
            try await LLMClient.scripted(transport, sleeps: RecordedSleeps())
                .complete(request, api: .anthropicMessages, baseURL: "https://llm.example/v1")
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func theResponseLimitIsPassedOn() async throws {
        let transport = ScriptedTransport([.openAIOK])
        let client = LLMClient.scripted(transport, sleeps: RecordedSleeps())
        _ = try await client.complete(ask("Hi"), api: .openAIChat, baseURL: "http://h/v1", maxResponseBytes: 4096)
        _ = try await client.complete(ask("Hi"), api: .openAIChat, baseURL: "http://h/v1")
        #expect(transport.requests.map(\.maxResponseBytes) == [4096, nil])
    }
}
