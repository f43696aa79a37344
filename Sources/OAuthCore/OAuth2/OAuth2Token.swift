import Foundation

/// A token response (RFC 6749 section 5.1), with the lifetime turned into an instant.
public struct OAuth2Token: Sendable, Codable, Equatable {
    /// The token sent with API requests.
    public var accessToken: String
    /// `Bearer` unless the provider says otherwise.
    public var tokenType: String
    /// The token that gets a new access token, when the provider issued one.
    public var refreshToken: String?
    /// Nil when the provider did not say: "unknown", which is neither "never" nor "now".
    public var expiresAt: Date?
    /// The scopes granted, when the provider said (they may differ from those asked for).
    public var scope: String?
    /// When the refresh token stops working, where the provider said so
    /// (`refresh_token_expires_in`, as LinkedIn and others send); nil when it did not.
    public var refreshTokenExpiresAt: Date?

    /// A token as a provider issued it.
    public init(
        accessToken: String, tokenType: String = "Bearer", refreshToken: String? = nil,
        expiresAt: Date? = nil, scope: String? = nil, refreshTokenExpiresAt: Date? = nil
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scope = scope
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
    }

    /// True when the token expires within `skew` of `now`. A token of unknown expiry is
    /// used until the API rejects it (a 401 then forces a refresh).
    public func expires(within skew: TimeInterval, of now: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt.timeIntervalSince(now) <= skew
    }

    /// The `Authorization` header value. Servers compare the scheme case-insensitively
    /// (RFC 6750), but some reject `bearer`, so the canonical spelling is used for Bearer.
    public var authorizationHeader: String {
        tokenType.caseInsensitiveCompare("bearer") == .orderedSame
            ? "Bearer \(accessToken)" : "\(tokenType) \(accessToken)"
    }
}
