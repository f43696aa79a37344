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
