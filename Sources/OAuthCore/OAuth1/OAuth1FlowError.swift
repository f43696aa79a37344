/// Why an OAuth 1.0a flow step failed. Messages never carry tokens or secrets.
public enum OAuth1FlowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider refused (401 for a bad signature, consumer or verifier).
    case provider(status: Int, message: String)
    /// The provider answered something the protocol does not allow.
    case unexpectedResponse(String)
    /// Nothing usable came back.
    case transport(HTTPTransportError)
    /// The settings cannot produce a request.
    case invalidConfiguration(String)
    /// The user declined at the provider.
    case denied
    /// The callback's token is not the one this flow started with.
    case callbackMismatch

    /// True when retrying cannot help.
    public var isPermanent: Bool {
        switch self {
        case .provider(let status, _): return status < 500 && status != 429 && status != 408
        case .transport: return false
        case .unexpectedResponse, .invalidConfiguration, .denied, .callbackMismatch: return true
        }
    }

    public var description: String {
        switch self {
        case .provider(let status, let message):
            return "the provider refused the request (HTTP \(status))" + (message.isEmpty ? "" : ": \(message)")
        case .unexpectedResponse(let reason): return "unexpected response: \(reason)"
        case .transport(let error): return error.description
        case .invalidConfiguration(let reason): return "invalid OAuth 1.0a configuration: \(reason)"
        case .denied: return "the user denied access at the provider"
        case .callbackMismatch:
            return "the callback's oauth_token does not match the login that was started (stale or forged)"
        }
    }
}
