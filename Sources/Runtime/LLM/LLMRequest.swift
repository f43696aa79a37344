/// What to ask a model: the provider's model name, the conversation and the sampling
/// settings. Settings left nil are not sent, so the provider's defaults apply.
public struct LLMRequest: Sendable, Equatable {
    /// The model name as the provider knows it (`gpt-4o-mini`, `claude-sonnet-4-5`), after the
    /// team's model mapping.
    public var model: String
    /// The conversation, oldest first.
    public var messages: [LLMMessage]
    /// Sampling temperature (OpenAI 0–2, Anthropic 0–1; the provider checks the range).
    public var temperature: Double?
    /// The longest answer in tokens. Anthropic requires one: `LLMRequest.anthropicDefaultMaxTokens`
    /// is sent when this is nil.
    public var maxTokens: Int?
    /// Nucleus sampling (`top_p`).
    public var topP: Double?
    /// Sequences that end the answer (OpenAI `stop`, Anthropic `stop_sequences`).
    public var stop: [String]?
    /// Ask for a JSON object as the answer: OpenAI's `response_format: {"type": "json_object"}`.
    /// Anthropic has no such switch; the prompt has to ask for JSON.
    public var jsonResponse: Bool
    /// OpenAI chat only: send the token limit as `max_completion_tokens` (OpenAI's own API,
    /// whose o-series models refuse `max_tokens`) instead of `max_tokens` (compatible servers).
    public var usesMaxCompletionTokens = false

    /// The `max_tokens` sent to Anthropic when the caller gives none (the API requires it).
    public static let anthropicDefaultMaxTokens = 1024

    /// A request for `model` with `messages` and the given settings.
    public init(
        model: String, messages: [LLMMessage], temperature: Double? = nil, maxTokens: Int? = nil,
        topP: Double? = nil, stop: [String]? = nil, jsonResponse: Bool = false
    ) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.stop = stop
        self.jsonResponse = jsonResponse
    }
}
