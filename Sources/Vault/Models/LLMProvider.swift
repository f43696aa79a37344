/// Who answers a model route's requests. `openai` and `openai-compatible` speak OpenAI's chat
/// completions; `anthropic` speaks Anthropic's Messages API (the LLM client maps them).
public enum LLMProvider: String, Sendable, CaseIterable {
    /// OpenAI (`https://api.openai.com/v1` unless a base URL is given).
    case openai
    /// Anthropic (`https://api.anthropic.com/v1` unless a base URL is given).
    case anthropic
    /// Any server that speaks OpenAI's API (Ollama, vLLM, a gateway): it has no default base
    /// URL, and may go without a connection (a local model without a key).
    case openaiCompatible = "openai-compatible"

    /// The base URL used when the route gives none; nil when the route must give one.
    public var defaultBaseURL: String? {
        switch self {
        case .openai: return "https://api.openai.com/v1"
        case .anthropic: return "https://api.anthropic.com/v1"
        case .openaiCompatible: return nil
        }
    }

    /// Whether a route of this provider must name a connection (the key sent to the provider).
    public var needsConnection: Bool { self != .openaiCompatible }

    /// The providers' names, for messages and help.
    public static var names: [String] { allCases.map(\.rawValue) }
}
