/// The non-secret settings of a connection, as the user gave them. Unset values fall back
/// to the kind's defaults from the provider catalog (see `EffectiveSettings`).
public struct ConnectionSettings: Sendable, Codable, Equatable {
    /// The OAuth 2.0 `client_id`.
    public var clientID: String?
    /// The OAuth 1.0a `oauth_consumer_key`.
    public var consumerKey: String?
    /// The scopes asked for; nil means the kind's defaults.
    public var scopes: [String]?
    /// The OAuth 2.0 authorization endpoint, overriding the kind's.
    public var authorizationURL: String?
    /// The OAuth 2.0 token endpoint, overriding the kind's.
    public var tokenURL: String?
    /// The revocation (OAuth 2.0) or token invalidation (OAuth 1.0a) endpoint, overriding the kind's.
    public var revocationURL: String?
    /// The OAuth 1.0a temporary credentials endpoint, overriding the kind's.
    public var requestTokenURL: String?
    /// The OAuth 1.0a token credentials endpoint, overriding the kind's.
    public var accessTokenURL: String?
    /// The OAuth 1.0a user authorization endpoint, overriding the kind's.
    public var userAuthorizationURL: String?
    /// Whether to use PKCE where the kind makes it optional.
    public var pkce: Bool?
    /// The `audience` of client credentials requests, for servers that need it.
    public var audience: String?
    /// A `ClientAuthentication` raw value, overriding the kind's.
    public var clientAuthentication: String?
    /// An OAuth 1.0a signature method name (`HMAC-SHA1`, `RSA-SHA1`...), overriding the kind's.
    public var signatureMethod: String?
    /// API hosts a credential may be sent to, added to the kind's.
    public var allowedHosts: [String]?
    /// OAuth 1.0a: add `oauth_body_hash` to requests with a non-form body.
    public var bodyHash: Bool?
    /// API key: the header that carries the key; nil means `Authorization`.
    public var headerName: String?
    /// API key: what goes before the key in the header; nil means `Bearer ` for `Authorization`
    /// and nothing for any other header.
    public var headerPrefix: String?
    /// API key: the query parameter that carries the key instead of a header.
    public var queryParameter: String?

    /// Settings with nothing set: every value is the kind's default.
    public init() {}

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
        if !fields.contains("headerName") { copy.headerName = nil }
        if !fields.contains("headerPrefix") { copy.headerPrefix = nil }
        if !fields.contains("queryParameter") { copy.queryParameter = nil }
        return copy
    }

    /// The string value of a catalog field id, for display and validation.
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
        case "headerName": return headerName
        case "headerPrefix": return headerPrefix
        case "queryParameter": return queryParameter
        default: return nil
        }
    }
}
