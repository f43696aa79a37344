/// A model's answer, and what it took to get it.
public struct LLMReply: Sendable, Equatable {
    /// The answer's text (OpenAI: the first choice's content; Anthropic: every text block, joined).
    public var text: String
    /// The tokens used, when the provider said.
    public var usage: LLMUsage?
    /// Why the answer ended, in the provider's words: `stop`/`length` (OpenAI),
    /// `end_turn`/`max_tokens`/`stop_sequence` (Anthropic).
    public var finishReason: String?
    /// The model as the provider named it in the answer (often more precise than the one asked for).
    public var model: String
    /// How many requests were sent, the successful one included.
    public var attempts: Int
    /// The time spent waiting between attempts (backoff and `Retry-After`).
    public var waited: Duration

    /// A reply with the given fields.
    public init(
        text: String, usage: LLMUsage?, finishReason: String?, model: String, attempts: Int, waited: Duration
    ) {
        self.text = text
        self.usage = usage
        self.finishReason = finishReason
        self.model = model
        self.attempts = attempts
        self.waited = waited
    }
}
