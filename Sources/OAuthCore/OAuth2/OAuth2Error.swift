/// Why an OAuth 2.0 request failed, and whether it is worth retrying.
public enum OAuth2Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider answered with an RFC 6749 error.
    case provider(code: OAuth2ErrorCode, description: String?, status: Int)
    /// The provider answered with something that is not a token response or an RFC error:
    /// an HTML page, a proxy error, a JSON body without `access_token`. `excerpt` is a short
    /// whitespace-collapsed start of the body, never one that could hold a token.
    case unexpectedResponse(status: Int, mediaType: String?, excerpt: String)
    /// Nothing usable came back.
    case transport(HTTPTransportError)
    /// The configuration cannot produce this request (missing URL, bad URL).
    case invalidConfiguration(String)

    /// Permanent errors need the user (re-authenticate, fix the client); transient ones may
    /// succeed later.
    public var isPermanent: Bool {
        switch self {
        case .provider(let code, _, let status):
            return status < 500 && status != 429 && code.isPermanent
        case .unexpectedResponse(let status, _, _):
            // A 2xx without a token means a wrong URL or a broken provider: retrying won't help.
            return (200..<300).contains(status) || ((400..<500).contains(status) && status != 408 && status != 429)
        case .transport:
            return false
        case .invalidConfiguration:
            return true
        }
    }

    public var description: String {
        switch self {
        case .provider(let code, let description, let status):
            return "the provider refused the request (HTTP \(status)): \(code)" + (description.map { ": \($0)" } ?? "")
        case .unexpectedResponse(let status, let mediaType, let excerpt):
            return "the provider sent an unexpected response (HTTP \(status), \(mediaType ?? "no content type"))"
                + (excerpt.isEmpty ? "" : ": \(excerpt)")
        case .transport(let error):
            return error.description
        case .invalidConfiguration(let reason):
            return "invalid OAuth 2.0 configuration: \(reason)"
        }
    }
}
