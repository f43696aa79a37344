/// Everything an OAuth 2.0 client needs to know about one provider and one registered app.
public struct OAuth2Configuration: Sendable {
    /// The `client_id` registered at the provider.
    public var clientID: String
    /// Nil or empty for a public client.
    public var clientSecret: String?
    /// Where the user is sent to log in; nil for client credentials.
    public var authorizationURL: String?
    /// Where codes, refresh tokens and client credentials are exchanged for tokens.
    public var tokenURL: String
    /// RFC 7009 endpoint, when the provider has one.
    public var revocationURL: String?
    /// The callback registered at the provider.
    public var redirectURI: String?
    /// The scopes asked for.
    public var scopes: [String]
    /// Almost always a space; a few providers (old Facebook, some Microsoft setups) use a comma.
    public var scopeSeparator: String
    /// How the client authenticates at the token endpoint.
    public var clientAuthentication: ClientAuthentication
    /// Provider extras for the authorization URL, e.g. Google's `access_type=offline`.
    public var extraAuthorizationParameters: [(name: String, value: String)]
    /// For client credentials at servers that need it (Auth0 and others).
    public var audience: String?

    /// A configuration with the common defaults: Basic authentication, scopes separated by a space.
    public init(
        clientID: String, clientSecret: String? = nil, authorizationURL: String? = nil, tokenURL: String,
        revocationURL: String? = nil, redirectURI: String? = nil, scopes: [String] = [],
        scopeSeparator: String = " ", clientAuthentication: ClientAuthentication = .basic,
        extraAuthorizationParameters: [(name: String, value: String)] = [], audience: String? = nil
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authorizationURL = authorizationURL
        self.tokenURL = tokenURL
        self.revocationURL = revocationURL
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.scopeSeparator = scopeSeparator
        self.clientAuthentication = clientAuthentication
        self.extraAuthorizationParameters = extraAuthorizationParameters
        self.audience = audience
    }
}
