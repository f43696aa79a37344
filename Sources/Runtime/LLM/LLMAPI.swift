/// Which wire protocol an LLM provider speaks. The base URL is the caller's (the team's model
/// mapping): `https://api.openai.com/v1`, a local Ollama's `http://127.0.0.1:11434/v1`,
/// `https://api.anthropic.com/v1`.
public enum LLMAPI: String, Sendable, Equatable, Hashable {
    /// OpenAI's chat completions, which every OpenAI-compatible server (Ollama, vLLM,
    /// llama.cpp, Groq, Together...) also speaks: `POST {base}/chat/completions`.
    case openAIChat
    /// Anthropic's Messages API: `POST {base}/messages`, with `anthropic-version: 2023-06-01`.
    case anthropicMessages

    /// The URL a completion is posted to, under `baseURL` (a trailing slash is ignored).
    public func endpoint(baseURL: String) -> String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        switch self {
        case .openAIChat: return base + "/chat/completions"
        case .anthropicMessages: return base + "/messages"
        }
    }

    /// The headers this API needs besides the credential (which the transport adds).
    var headers: [(name: String, value: String)] {
        let common: [(name: String, value: String)] = [
            ("content-type", "application/json"), ("accept", "application/json"),
        ]
        switch self {
        case .openAIChat: return common
        case .anthropicMessages: return common + [("anthropic-version", AnthropicMessagesWire.version)]
        }
    }
}
