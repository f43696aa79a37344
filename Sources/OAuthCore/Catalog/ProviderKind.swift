/// One kind of OAuth connection users can create: a provider with prefilled settings, or a
/// custom one whose URLs the user gives. Read from `providers.json`; see ``ProviderCatalog``.
public struct ProviderKind: Sendable, Codable, Equatable, Identifiable {
    /// OAuth 1.0a or OAuth 2.0.
    public enum OAuthProtocol: String, Sendable, Codable { case oauth1, oauth2 }
    /// How tokens are obtained.
    public enum GrantType: String, Sendable, Codable {
        case authorizationCode = "authorization_code"
        case clientCredentials = "client_credentials"
        case threeLegged = "three_legged"
    }
    /// Whether the kind uses PKCE.
    public enum PKCESupport: String, Sendable, Codable { case required, optional, unsupported }

    /// The prefilled endpoints; custom kinds leave them to the user.
    public struct URLs: Sendable, Codable, Equatable {
        public var authorization: String?
        public var token: String?
        public var revocation: String?
        public var requestToken: String?
        public var userAuthorization: String?
        public var accessToken: String?
    }

    /// The stable id: `google`, `x-oauth1`, `client-credentials`, ...
    public var id: String
    public var displayName: String
    public var `protocol`: OAuthProtocol
    public var grantType: GrantType
    /// The `oauthService` values SmythOS Studio wrote for this kind in Legacy components.
    public var legacyServiceNames: [String]
    public var urls: URLs
    public var requiredFields: [String]
    public var optionalFields: [String]
    public var defaultScopes: [String]
    /// OAuth 2.0 kinds only.
    public var clientAuthentication: ClientAuthentication?
    /// OAuth 1.0a kinds only.
    public var signatureMethod: OAuth1SignatureMethod?
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

    /// True when the user logs in through a browser (everything but client credentials).
    public var needsUserLogin: Bool { grantType != .clientCredentials }

    /// True when the kind's endpoints are prefilled.
    public var isPrefilled: Bool {
        urls.authorization != nil || urls.token != nil || urls.requestToken != nil
    }

    /// The authorization parameters in a stable order (sorted by name).
    public var sortedAuthorizationParameters: [(name: String, value: String)] {
        authorizationParameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// A setting a kind may ask for: how to label it, whether it is secret, its CLI flag.
public struct ProviderField: Sendable, Codable, Equatable, Identifiable {
    public enum ValueType: String, Sendable, Codable { case string, url, list, bool, `enum`, file }
    /// The id used in `requiredFields` and in stored settings (`clientID`, `tokenURL`...).
    public var id: String
    public var label: String
    /// The `keyflow vault add` flag, without dashes.
    public var flag: String
    /// Secrets are sealed at rest and masked on output.
    public var secret: Bool
    public var type: ValueType
    /// Allowed values for `enum` fields.
    public var values: [String]?
}
