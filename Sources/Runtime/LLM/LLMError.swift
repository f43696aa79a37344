/// Why a completion failed. Every message is safe to show: provider text in it went through
/// the client's `redact` (a provider's 401 can echo the key) and is cut to
/// `LLMError.providerMessageLimit` characters.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider refused the credential (401 or 403). Not retried: the caller marks the connection.
    case unauthorized(status: Int, message: String)
    /// The provider refused the request (400, 404, 422 and other 4xx): retrying cannot help.
    case rejected(status: Int, message: String)
    /// The provider still answered 429 after every attempt; `retryAfter` is how long its last
    /// answer asked to wait (uncapped), when it said.
    case rateLimited(retryAfter: Duration?, attempts: Int)
    /// The provider answered 5xx on every attempt.
    case unavailable(status: Int, attempts: Int, message: String)
    /// No answer came back (refused, reset, timed out), after every attempt that was allowed.
    case transport(String)
    /// An answer came back but it is not a completion; the message names what is missing.
    case badResponse(String)
    /// The request cannot be put in the API's shape (an image in an Anthropic system prompt);
    /// nothing was sent.
    case invalidRequest(String)
    /// The run's deadline: it passed, or the next wait would have ended after it.
    case outOfTime(attempts: Int, message: String)
    /// The task was cancelled (a run's cancel or timeout).
    case cancelled

    /// Provider text in a message is cut to this many characters.
    public static let providerMessageLimit = 300

    public var description: String {
        switch self {
        case .unauthorized(let status, let message):
            return "the provider refused the credential (HTTP \(status)): \(message)"
        case .rejected(let status, let message):
            return "the provider rejected the request (HTTP \(status)): \(message)"
        case .rateLimited(let retryAfter, let attempts):
            let asked = retryAfter.map { "; it asked to wait \(LLMError.seconds($0)) s" } ?? ""
            return "rate limited by the provider (HTTP 429) after \(attempts) \(Self.plural(attempts))\(asked)"
        case .unavailable(let status, let attempts, let message):
            return "the provider is unavailable (HTTP \(status)) after \(attempts) \(Self.plural(attempts)): \(message)"
        case .transport(let message): return message
        case .badResponse(let message): return "the provider's answer is not a completion: \(message)"
        case .invalidRequest(let message): return "the request cannot be sent: \(message)"
        case .outOfTime(_, let message): return "out of time: \(message)"
        case .cancelled: return "the request was cancelled"
        }
    }

    /// "attempt" or "attempts".
    static func plural(_ count: Int) -> String { count == 1 ? "attempt" : "attempts" }

    /// A duration in seconds for messages: whole seconds without a fraction, else one decimal.
    static func seconds(_ duration: Duration) -> String {
        let seconds = SafeNumbers.seconds(of: duration)
        if seconds == seconds.rounded() { return JSONWriter.number(seconds) }
        return String((seconds * 10).rounded() / 10)
    }
}
