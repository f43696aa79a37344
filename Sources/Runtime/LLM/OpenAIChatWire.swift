/// The request and answer bodies of OpenAI's chat completions, which OpenAI-compatible
/// servers share.
enum OpenAIChatWire {
    /// The JSON body for `request`. Settings left nil are left out; the token limit goes in
    /// `max_tokens`, which every compatible server knows, or in `max_completion_tokens` when the
    /// request says so (OpenAI itself, whose reasoning models refuse `max_tokens`).
    static func body(_ request: LLMRequest) -> JSONValue {
        var body = JSONObject([
            ("model", .string(request.model)),
            ("messages", .array(request.messages.map(message))),
        ])
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let maxTokens = request.maxTokens {
            body[request.usesMaxCompletionTokens ? "max_completion_tokens" : "max_tokens"] = .number(Double(maxTokens))
        }
        if let topP = request.topP { body["top_p"] = .number(topP) }
        if let stop = request.stop { body["stop"] = .array(stop.map(JSONValue.string)) }
        if request.jsonResponse { body["response_format"] = .object(JSONObject([("type", .string("json_object"))])) }
        return .object(body)
    }

    /// A message: one text part as a plain string (what older compatible servers expect,
    /// for system messages above all), anything else as an array of parts.
    static func message(_ message: LLMMessage) -> JSONValue {
        let content: JSONValue = message.singleText.map(JSONValue.string) ?? .array(message.content.map(part))
        return .object(JSONObject([("role", .string(message.role.rawValue)), ("content", content)]))
    }

    static func part(_ part: LLMMessage.Part) -> JSONValue {
        switch part {
        case .text(let text):
            return .object(JSONObject([("type", .string("text")), ("text", .string(text))]))
        case .image(let mediaType, let base64):
            return imageURL("data:\(mediaType);base64,\(base64)")
        case .imageURL(let url):
            return imageURL(url)
        }
    }

    private static func imageURL(_ url: String) -> JSONValue {
        .object(
            JSONObject([
                ("type", .string("image_url")), ("image_url", .object(JSONObject([("url", .string(url))]))),
            ]))
    }

    /// The answer: `choices[0].message.content` (a string, or an array of text parts),
    /// `choices[0].finish_reason`, `usage` and `model`.
    static func answer(_ body: [UInt8]) throws(LLMError) -> LLMAnswer {
        let object = try LLMAnswer.object(body)
        guard let choices = object["choices"]?.arrayValue else { throw .badResponse("it has no \"choices\" array") }
        guard let choice = choices.first?.objectValue else { throw .badResponse("\"choices\" has no first choice") }
        guard let message = choice["message"]?.objectValue else { throw .badResponse("choices[0] has no \"message\"") }
        let text: String
        switch message["content"] {
        case .string(let content): text = content
        case .array(let parts):
            text = parts.compactMap { part in part["type"]?.stringValue == "text" ? part["text"]?.stringValue : nil }
                .joined()
        default:
            // A refusal comes with a null content: say so instead of "no content".
            if let refusal = message["refusal"]?.stringValue {
                throw .badResponse("the model refused: \(refusal)")
            }
            throw .badResponse("choices[0].message has no \"content\" text")
        }
        var usage: LLMUsage?
        if let counts = object["usage"]?.objectValue, let input = LLMAnswer.tokens(counts["prompt_tokens"]),
            let output = LLMAnswer.tokens(counts["completion_tokens"])
        {
            usage = LLMUsage(inputTokens: input, outputTokens: output, total: LLMAnswer.tokens(counts["total_tokens"]))
        }
        return LLMAnswer(
            text: text, usage: usage, finishReason: choice["finish_reason"]?.stringValue,
            model: object["model"]?.stringValue)
    }
}
