/// An RFC 6749 section 5.2 error code. Known codes have constants; any other string a
/// provider sends is kept as is.
public struct OAuth2ErrorCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The code as the provider sent it.
    public let rawValue: String
    /// Any code, known or not.
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The request is malformed.
    public static let invalidRequest = Self(rawValue: "invalid_request")
    /// Client authentication failed.
    public static let invalidClient = Self(rawValue: "invalid_client")
    /// The code or refresh token is invalid, expired, revoked or was issued to another client.
    public static let invalidGrant = Self(rawValue: "invalid_grant")
    /// The client may not use this grant type.
    public static let unauthorizedClient = Self(rawValue: "unauthorized_client")
    /// The server does not support this grant type.
    public static let unsupportedGrantType = Self(rawValue: "unsupported_grant_type")
    /// The scope asked for is invalid, unknown or too broad.
    public static let invalidScope = Self(rawValue: "invalid_scope")
    /// The user or the server refused.
    public static let accessDenied = Self(rawValue: "access_denied")
    /// The server cannot revoke this type of token (RFC 7009).
    public static let unsupportedTokenType = Self(rawValue: "unsupported_token_type")
    /// The server failed (a 500 in words).
    public static let serverError = Self(rawValue: "server_error")
    /// The server is overloaded or down for maintenance; try later.
    public static let temporarilyUnavailable = Self(rawValue: "temporarily_unavailable")
    /// Polling too fast; wait longer between requests.
    public static let slowDown = Self(rawValue: "slow_down")

    /// Codes that retrying cannot fix: the user must authenticate again or fix the settings.
    var isPermanent: Bool {
        ![Self.serverError, .temporarilyUnavailable, .slowDown].contains(self)
    }
}

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
