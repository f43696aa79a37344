/// The tokens a completion used, as the provider counted them.
public struct LLMUsage: Sendable, Equatable, Hashable {
    /// Tokens of the prompt (OpenAI `prompt_tokens`, Anthropic `input_tokens`).
    public var inputTokens: Int
    /// Tokens of the answer (OpenAI `completion_tokens`, Anthropic `output_tokens`).
    public var outputTokens: Int
    /// All tokens: the provider's `total_tokens` when it gives one, else the sum (which
    /// saturates at `Int.max` instead of trapping on absurd counts).
    public var total: Int

    /// A usage of `inputTokens` and `outputTokens`, with `total` their sum unless given.
    public init(inputTokens: Int, outputTokens: Int, total: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        let (sum, overflow) = inputTokens.addingReportingOverflow(outputTokens)
        self.total = total ?? (overflow ? Int.max : sum)
    }
}
