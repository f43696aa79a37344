/// An attempt that failed in a way another attempt may fix: a 429, a 5xx, or no answer.
enum LLMRetryableFailure: Sendable, Equatable {
    /// HTTP 429; `retryAfter` as the provider asked, when it did.
    case rateLimited(retryAfter: Duration?)
    /// HTTP 5xx with the provider's (safe) message.
    case unavailable(status: Int, message: String, retryAfter: Duration?)
    /// No answer: the transport's (safe) description.
    case transport(String)

    /// The wait the provider asked for, if any.
    var retryAfter: Duration? {
        switch self {
        case .rateLimited(let retryAfter), .unavailable(_, _, let retryAfter): return retryAfter
        case .transport: return nil
        }
    }

    /// The error when no attempt is left after `attempts` of them.
    func exhausted(attempts: Int) -> LLMError {
        switch self {
        case .rateLimited(let retryAfter): return .rateLimited(retryAfter: retryAfter, attempts: attempts)
        case .unavailable(let status, let message, _):
            return .unavailable(status: status, attempts: attempts, message: message)
        case .transport(let message):
            return .transport("\(message) (after \(attempts) \(LLMError.plural(attempts)))")
        }
    }

    /// What went wrong, for an out-of-time message.
    var summary: String {
        switch self {
        case .rateLimited: return "the provider rate limited the request (HTTP 429)"
        case .unavailable(let status, _, _): return "the provider was unavailable (HTTP \(status))"
        case .transport(let message): return message
        }
    }
}
