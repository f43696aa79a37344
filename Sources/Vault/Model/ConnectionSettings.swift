/// The non-secret settings of a connection, as the user gave them. Unset values fall back
/// to the kind's defaults from the provider catalog (see `EffectiveSettings`).
public struct ConnectionSettings: Sendable, Codable, Equatable {
    public var clientID: String?
    public var consumerKey: String?
    public var scopes: [String]?
    public var authorizationURL: String?
    public var tokenURL: String?
    public var revocationURL: String?
    public var requestTokenURL: String?
    public var accessTokenURL: String?
    public var userAuthorizationURL: String?
    public var pkce: Bool?
    public var audience: String?
    public var clientAuthentication: String?
    public var signatureMethod: String?
    public var allowedHosts: [String]?
    /// OAuth 1.0a: add `oauth_body_hash` to requests with a non-form body.
    public var bodyHash: Bool?

    public init() {}

    /// The string value of a catalog field id, for display and validation.
    /// A copy without the fields outside `fields` (catalog ids), for a change of kind.
    func keeping(_ fields: Set<String>) -> ConnectionSettings {
        var copy = self
        if !fields.contains("clientID") { copy.clientID = nil }
        if !fields.contains("consumerKey") { copy.consumerKey = nil }
        if !fields.contains("scopes") { copy.scopes = nil }
        if !fields.contains("authorizationURL") { copy.authorizationURL = nil }
        if !fields.contains("tokenURL") { copy.tokenURL = nil }
        if !fields.contains("revocationURL") { copy.revocationURL = nil }
        if !fields.contains("requestTokenURL") { copy.requestTokenURL = nil }
        if !fields.contains("accessTokenURL") { copy.accessTokenURL = nil }
        if !fields.contains("userAuthorizationURL") { copy.userAuthorizationURL = nil }
        if !fields.contains("pkce") { copy.pkce = nil }
        if !fields.contains("audience") { copy.audience = nil }
        if !fields.contains("clientAuthentication") { copy.clientAuthentication = nil }
        if !fields.contains("signatureMethod") { copy.signatureMethod = nil }
        if !fields.contains("allowedHosts") { copy.allowedHosts = nil }
        if !fields.contains("bodyHash") { copy.bodyHash = nil }
        return copy
    }

    public func value(of fieldID: String) -> String? {
        switch fieldID {
        case "clientID": return clientID
        case "consumerKey": return consumerKey
        case "scopes": return scopes?.joined(separator: " ")
        case "authorizationURL": return authorizationURL
        case "tokenURL": return tokenURL
        case "revocationURL": return revocationURL
        case "requestTokenURL": return requestTokenURL
        case "accessTokenURL": return accessTokenURL
        case "userAuthorizationURL": return userAuthorizationURL
        case "pkce": return pkce.map { $0 ? "true" : "false" }
        case "audience": return audience
        case "clientAuthentication": return clientAuthentication
        case "signatureMethod": return signatureMethod
        case "allowedHosts": return allowedHosts?.joined(separator: " ")
        case "bodyHash": return bodyHash.map { $0 ? "true" : "false" }
        default: return nil
        }
    }
}

/// The secret settings, sealed at rest.
public struct ConnectionSecrets: Sendable, Codable, Equatable {
    public var clientSecret: String?
    public var consumerSecret: String?
    /// PEM, for RSA-SHA1.
    public var privateKey: String?

    public init(clientSecret: String? = nil, consumerSecret: String? = nil, privateKey: String? = nil) {
        self.clientSecret = clientSecret
        self.consumerSecret = consumerSecret
        self.privateKey = privateKey
    }

    /// A copy without the secrets outside `fields`, for a change of kind.
    func keeping(_ fields: Set<String>) -> ConnectionSecrets {
        ConnectionSecrets(clientSecret: fields.contains("clientSecret") ? clientSecret : nil,
                          consumerSecret: fields.contains("consumerSecret") ? consumerSecret : nil,
                          privateKey: fields.contains("privateKey") ? privateKey : nil)
    }

    public func value(of fieldID: String) -> String? {
        switch fieldID {
        case "clientSecret": return clientSecret
        case "consumerSecret": return consumerSecret
        case "privateKey": return privateKey
        default: return nil
        }
    }

    /// Every secret value, for redaction.
    public var all: [String] { [clientSecret, consumerSecret, privateKey].compactMap { $0 }.filter { !$0.isEmpty } }
}

/// The tokens a connection holds once authenticated, sealed at rest.
public struct ConnectionTokens: Sendable, Codable, Equatable {
    public var accessToken: String
    public var tokenType: String?
    public var refreshToken: String?
    /// OAuth 1.0a token secret.
    public var tokenSecret: String?
    /// Nil when the provider did not say.
    public var expiresAt: Double?
    public var scope: String?
    /// Extra fields of an OAuth 1.0a access token response (`screen_name`, ...).
    public var extra: [String: String]?

    public init(accessToken: String, tokenType: String? = nil, refreshToken: String? = nil, tokenSecret: String? = nil,
                expiresAt: Double? = nil, scope: String? = nil, extra: [String: String]? = nil) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.refreshToken = refreshToken
        self.tokenSecret = tokenSecret
        self.expiresAt = expiresAt
        self.scope = scope
        self.extra = extra
    }

    /// Every secret value, for redaction.
    public var all: [String] { [accessToken, refreshToken, tokenSecret].compactMap { $0 }.filter { !$0.isEmpty } }
}
