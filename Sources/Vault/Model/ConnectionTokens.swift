/// The tokens a connection holds once authenticated, sealed at rest.
public struct ConnectionTokens: Sendable, Codable, Equatable {
    /// The OAuth 2.0 access token, or the OAuth 1.0a token.
    public var accessToken: String
    /// The OAuth 2.0 `token_type`, usually `Bearer`.
    public var tokenType: String?
    /// The OAuth 2.0 refresh token, when the provider issued one.
    public var refreshToken: String?
    /// OAuth 1.0a token secret.
    public var tokenSecret: String?
    /// Nil when the provider did not say.
    public var expiresAt: Double?
    /// The scopes the provider granted, when it said.
    public var scope: String?
    /// Extra fields of an OAuth 1.0a access token response (`screen_name`, ...).
    public var extra: [String: String]?
    /// When the refresh token stops working, where the provider said (`refresh_token_expires_in`).
    public var refreshTokenExpiresAt: Double?

    /// Tokens as a login or refresh returned them.
    public init(
        accessToken: String, tokenType: String? = nil, refreshToken: String? = nil, tokenSecret: String? = nil,
        expiresAt: Double? = nil, scope: String? = nil, extra: [String: String]? = nil,
        refreshTokenExpiresAt: Double? = nil
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.refreshToken = refreshToken
        self.tokenSecret = tokenSecret
        self.expiresAt = expiresAt
        self.scope = scope
        self.extra = extra
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
    }

    /// Every secret value, for redaction.
    public var all: [String] { [accessToken, refreshToken, tokenSecret].compactMap { $0 }.filter { !$0.isEmpty } }
}
