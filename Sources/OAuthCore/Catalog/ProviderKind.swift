/// One kind of connection users can create: a provider with prefilled settings, or a
/// custom one whose URLs the user gives. Read from `providers.json`; see ``ProviderCatalog``.
public struct ProviderKind: Sendable, Codable, Equatable, Identifiable {
    /// OAuth 1.0a, OAuth 2.0, or a static API key.
    public enum OAuthProtocol: String, Sendable, Codable {
        case oauth1, oauth2
        /// A key the user pastes, sent as it is in a header or a query parameter.
        case apiKey = "api_key"
    }
    /// How tokens are obtained.
    public enum GrantType: String, Sendable, Codable {
        case authorizationCode = "authorization_code"
        case clientCredentials = "client_credentials"
        case threeLegged = "three_legged"
        /// No grant: the user gives the credential (an API key).
        case staticKey = "static_key"
    }
    /// Whether the kind uses PKCE.
    public enum PKCESupport: String, Sendable, Codable { case required, optional, unsupported }

    /// The prefilled endpoints; custom kinds leave them to the user.
    public struct URLs: Sendable, Codable, Equatable {
        /// The authorization endpoint users log in at (OAuth 2.0).
        public var authorization: String?
        /// The token endpoint (OAuth 2.0).
        public var token: String?
        /// The RFC 7009 revocation endpoint, when the provider has one (OAuth 2.0).
        public var revocation: String?
        /// The temporary credentials endpoint (OAuth 1.0a).
        public var requestToken: String?
        /// The resource owner authorization endpoint users log in at (OAuth 1.0a).
        public var userAuthorization: String?
        /// The token credentials endpoint (OAuth 1.0a).
        public var accessToken: String?
    }

    /// The stable id: `google`, `x-oauth1`, `client-credentials`, ...
    public var id: String
    /// The name shown to users (`Google`, `Custom OAuth 2.0`).
    public var displayName: String
    /// Whether the kind speaks OAuth 1.0a or OAuth 2.0.
    public var `protocol`: OAuthProtocol
    /// How the kind obtains tokens.
    public var grantType: GrantType
    /// The `oauthService` values SmythOS Studio wrote for this kind in Legacy components.
    public var legacyServiceNames: [String]
    /// The endpoints the kind prefills.
    public var urls: URLs
    /// Field ids a connection of this kind must set.
    public var requiredFields: [String]
    /// Field ids a connection of this kind may set.
    public var optionalFields: [String]
    /// The scopes asked for when a connection sets none.
    public var defaultScopes: [String]
    /// OAuth 2.0 kinds only.
    public var clientAuthentication: ClientAuthentication?
    /// OAuth 1.0a kinds only.
    public var signatureMethod: OAuth1SignatureMethod?
    /// Whether logins of this kind use PKCE.
    public var pkce: PKCESupport
    /// API hosts a credential may be sent to; `*.example.com` matches subdomains.
    public var allowedHosts: [String]
    /// Custom kinds: without a user list, the hosts of the configured URLs are allowed.
    public var allowHostsOfConfiguredURLs: Bool?
    /// Extra authorization URL parameters (Google's `access_type=offline`).
    public var authorizationParameters: [String: String]
    /// Provider behaviour worth knowing, in words.
    public var quirks: [String]
    /// Where the provider documents its OAuth setup.
    public var docs: String?

    /// True when the user logs in through a browser (everything but client credentials and API keys).
    public var needsUserLogin: Bool { grantType != .clientCredentials && grantType != .staticKey }

    /// True for API-key kinds: the credential is the key the user gave; nothing is fetched or refreshed.
    public var isAPIKey: Bool { `protocol` == .apiKey }

    /// The protocol as users read it: `OAuth 2.0`, `OAuth 1.0a`, `API key`.
    public var protocolName: String {
        switch `protocol` {
        case .oauth1: return "OAuth 1.0a"
        case .oauth2: return "OAuth 2.0"
        case .apiKey: return "API key"
        }
    }

    /// True when the kind's endpoints are prefilled.
    public var isPrefilled: Bool {
        urls.authorization != nil || urls.token != nil || urls.requestToken != nil
    }

    /// The authorization parameters in a stable order (sorted by name).
    public var sortedAuthorizationParameters: [(name: String, value: String)] {
        authorizationParameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
