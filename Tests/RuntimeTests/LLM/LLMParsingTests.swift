import OAuthCore
import Runtime
import Testing

/// Reading answers: text, usage, finish reason and model in both shapes, and answers that
/// are not completions.
@Suite struct LLMParsingTests {
    static func reply(_ body: String, api: LLMAPI = .openAIChat) async throws(LLMError) -> LLMReply {
        try await LLMClient.scripted(ScriptedTransport([.json(200, body)]), sleeps: RecordedSleeps())
            .complete(ask("Hi", model: "asked-model"), api: api, baseURL: "http://h/v1")
    }

    @Test func openAIAnswer() async throws {
        let reply = try await LLMClient.scripted(ScriptedTransport([.openAIOK]), sleeps: RecordedSleeps())
            .complete(ask("Hi"), api: .openAIChat, baseURL: "http://h/v1")
        #expect(
            reply
                == LLMReply(
                    text: "hi", usage: LLMUsage(inputTokens: 3, outputTokens: 1, total: 4), finishReason: "stop",
                    model: "gpt-4o-mini-2024", attempts: 1, waited: .zero))
    }

    @Test func openAIContentAsAnArrayOfPartsAndNoUsageOrModel() async throws {
        let reply = try await Self.reply(
            #"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"x"},"#
                + #"{"type":"text","text":"b"}]},"finish_reason":"length"}]}"#)
        #expect(reply.text == "ab")
        #expect(reply.usage == nil)
        #expect(reply.finishReason == "length")
        #expect(reply.model == "asked-model")
    }

    @Test func anthropicAnswerJoinsTextBlocksAndSumsUsage() async throws {
        let reply = try await Self.reply(
            #"{"model":"claude-x","content":[{"type":"text","text":"one "},{"type":"tool_use","id":"t"},"#
                + #"{"type":"text","text":"two"}],"stop_reason":"max_tokens","usage":{"input_tokens":7,"output_tokens":2}}"#,
            api: .anthropicMessages)
        #expect(reply.text == "one two")
        #expect(reply.usage == LLMUsage(inputTokens: 7, outputTokens: 2, total: 9))
        #expect(reply.finishReason == "max_tokens")
        #expect(reply.model == "claude-x")
    }

    @Test func hugeAndOddTokenCountsNeitherTrapNorGoNegative() async throws {
        let reply = try await Self.reply(
            #"{"content":[],"usage":{"input_tokens":1e300,"output_tokens":-5}}"#, api: .anthropicMessages)
        #expect(reply.usage == LLMUsage(inputTokens: Int.max, outputTokens: 0, total: Int.max))
        let fractional = try await Self.reply(
            #"{"choices":[{"message":{"content":""}}],"usage":{"prompt_tokens":2.7,"completion_tokens":"3"}}"#)
        #expect(fractional.usage == nil)  // a count that is not a number is no usage
    }

    @Test(arguments: [
        (LLMAPI.openAIChat, "not json", "the body is not JSON"),
        (.openAIChat, "[1]", "the body is an array, not an object"),
        (.openAIChat, "{}", #"it has no "choices" array"#),
        (.openAIChat, #"{"choices":[]}"#, #""choices" has no first choice"#),
        (.openAIChat, #"{"choices":[{}]}"#, #"choices[0] has no "message""#),
        (.openAIChat, #"{"choices":[{"message":{"content":null}}]}"#, #"choices[0].message has no "content" text"#),
        (.openAIChat, #"{"choices":[{"message":{"content":null,"refusal":"No."}}]}"#, "the model refused: No."),
        (.anthropicMessages, #"{"type":"message"}"#, #"it has no "content" array"#),
    ])
    func answersThatAreNotCompletions(api: LLMAPI, body: String, named: String) async throws {
        let error = await #expect(throws: LLMError.self) { try await Self.reply(body, api: api) }
        guard case .badResponse(let message) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.hasPrefix(named))
        #expect(error?.description.hasPrefix("the provider's answer is not a completion: ") == true)
    }
}
