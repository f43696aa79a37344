/// The request and answer bodies of Anthropic's Messages API.
enum AnthropicMessagesWire {
    /// The `anthropic-version` header sent with every request.
    static let version = "2023-06-01"

    /// The JSON body for `request`: the system messages' text joined into the top-level
    /// `system`, `max_tokens` always (the API requires it), `stop` as `stop_sequences`.
    /// `jsonResponse` has no field here. Throws `invalidRequest` for an image in a system
    /// message, which the API cannot take.
    static func body(_ request: LLMRequest) throws(LLMError) -> JSONValue {
        let system = request.messages.filter { $0.role == .system }
        if system.contains(where: { $0.content.contains(where: \.isImage) }) {
            throw .invalidRequest("Anthropic's system prompt takes text only, not images")
        }
        let maxTokens = request.maxTokens ?? LLMRequest.anthropicDefaultMaxTokens
        var body = JSONObject([("model", .string(request.model)), ("max_tokens", .number(Double(maxTokens)))])
        let systemText = system.map { $0.text(separator: "\n") }.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !systemText.isEmpty { body["system"] = .string(systemText) }
        body["messages"] = .array(request.messages.filter { $0.role != .system }.map(message))
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let topP = request.topP { body["top_p"] = .number(topP) }
        if let stop = request.stop { body["stop_sequences"] = .array(stop.map(JSONValue.string)) }
        return .object(body)
    }

    /// A message: one text part as a plain string, anything else as an array of blocks.
    static func message(_ message: LLMMessage) -> JSONValue {
        let content: JSONValue = message.singleText.map(JSONValue.string) ?? .array(message.content.map(block))
        return .object(JSONObject([("role", .string(message.role.rawValue)), ("content", content)]))
    }

    static func block(_ part: LLMMessage.Part) -> JSONValue {
        switch part {
        case .text(let text):
            return .object(JSONObject([("type", .string("text")), ("text", .string(text))]))
        case .image(let mediaType, let base64):
            return image(
                source: [("type", .string("base64")), ("media_type", .string(mediaType)), ("data", .string(base64))])
        case .imageURL(let url):
            return image(source: [("type", .string("url")), ("url", .string(url))])
        }
    }

    private static func image(source: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject([("type", .string("image")), ("source", .object(JSONObject(source)))]))
    }

    /// The answer: the text blocks of `content` concatenated, `stop_reason`, `usage`, `model`.
    static func answer(_ body: [UInt8]) throws(LLMError) -> LLMAnswer {
        let object = try LLMAnswer.object(body)
        guard let content = object["content"]?.arrayValue else { throw .badResponse("it has no \"content\" array") }
        // Only text blocks make the text; other kinds (tool_use, thinking) are not this client's.
        let text = content.compactMap { block in
            block["type"]?.stringValue == "text" ? block["text"]?.stringValue : nil
        }.joined()
        var usage: LLMUsage?
        if let counts = object["usage"]?.objectValue, let input = LLMAnswer.tokens(counts["input_tokens"]),
            let output = LLMAnswer.tokens(counts["output_tokens"])
        {
            usage = LLMUsage(inputTokens: input, outputTokens: output)
        }
        return LLMAnswer(
            text: text, usage: usage, finishReason: object["stop_reason"]?.stringValue,
            model: object["model"]?.stringValue)
    }
}
