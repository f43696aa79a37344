import OAuthCore

/// A connection's settings with the kind's defaults filled in: what the flows and the
/// broker actually use.
public struct EffectiveSettings: Sendable {
    /// The connection's kind from the provider catalog.
    public let kind: ProviderKind
    /// The connection's own settings.
    public let settings: ConnectionSettings

    /// The settings of a connection of `kind`.
    public init(kind: ProviderKind, settings: ConnectionSettings) {
        self.kind = kind
        self.settings = settings
    }

    /// The connection's authorization endpoint, else the kind's.
    public var authorizationURL: String? { settings.authorizationURL ?? kind.urls.authorization }
    /// The connection's token endpoint, else the kind's.
    public var tokenURL: String? { settings.tokenURL ?? kind.urls.token }
    /// The connection's revocation endpoint, else the kind's.
    public var revocationURL: String? { settings.revocationURL ?? kind.urls.revocation }
    /// The connection's temporary credentials endpoint, else the kind's.
    public var requestTokenURL: String? { settings.requestTokenURL ?? kind.urls.requestToken }
    /// The connection's token credentials endpoint, else the kind's.
    public var accessTokenURL: String? { settings.accessTokenURL ?? kind.urls.accessToken }
    /// The connection's user authorization endpoint, else the kind's.
    public var userAuthorizationURL: String? { settings.userAuthorizationURL ?? kind.urls.userAuthorization }
    /// The connection's scopes, else the kind's default scopes.
    public var scopes: [String] { settings.scopes ?? kind.defaultScopes }

    /// PKCE when the kind requires it or the user turned it on.
    public var usesPKCE: Bool {
        switch kind.pkce {
        case .required: return true
        case .optional: return settings.pkce ?? false
        case .unsupported: return false
        }
    }

    /// The connection's client authentication, else the kind's, else Basic.
    public var clientAuthentication: ClientAuthentication {
        settings.clientAuthentication.flatMap(ClientAuthentication.init(rawValue:)) ?? kind.clientAuthentication
            ?? .basic
    }

    /// The connection's signature method, else the kind's, else HMAC-SHA1.
    public var signatureMethod: OAuth1SignatureMethod {
        settings.signatureMethod.flatMap(OAuth1SignatureMethod.init(name:)) ?? kind.signatureMethod ?? .hmacSHA1
    }

    /// The origins a credential may be sent to, as allowed-hosts entries in their shortest
    /// form (see `AllowedOrigin`): the kind's defaults plus the user's list; for custom kinds
    /// without a user list, the origins of the configured URLs (https, or http on loopback).
    public var allowedHosts: [String] {
        var hosts = kind.allowedHosts + (settings.allowedHosts ?? [])
        if hosts.isEmpty && (kind.allowHostsOfConfiguredURLs ?? false) {
            let urls = [authorizationURL, tokenURL, requestTokenURL, accessTokenURL, userAuthorizationURL].compactMap {
                $0
            }
            hosts = urls.compactMap { (try? RequestURL($0)).flatMap(AllowedOrigin.init(of:))?.description }
        }
        var seen = Set<String>()
        return hosts.map { AllowedOrigin($0)?.description ?? $0.lowercased() }.filter { seen.insert($0).inserted }
    }

    /// `allowedHosts` parsed; an entry that does not parse allows nothing.
    public var allowedOrigins: [AllowedOrigin] { allowedHosts.compactMap(AllowedOrigin.init) }

    /// The OAuth 2.0 client configuration for this connection.
    public func oauth2Configuration(secrets: ConnectionSecrets, redirectURI: String?) -> OAuth2Configuration {
        let secret = secrets.clientSecret.flatMap { $0.isEmpty ? nil : $0 }
        return OAuth2Configuration(
            clientID: settings.clientID ?? "", clientSecret: secret, authorizationURL: authorizationURL,
            tokenURL: tokenURL ?? "", revocationURL: revocationURL, redirectURI: redirectURI, scopes: scopes,
            clientAuthentication: secret == nil ? .none : clientAuthentication,
            extraAuthorizationParameters: kind.sortedAuthorizationParameters, audience: settings.audience)
    }

    /// The OAuth 1.0a consumer credentials, with the token pair when there is one.
    public func oauth1Credentials(secrets: ConnectionSecrets, tokens: ConnectionTokens?) throws -> OAuth1Credentials {
        let method = signatureMethod
        let key = method == .rsaSHA1 ? try secrets.privateKey.map { try OAuth1RSAKey(pem: $0) } : nil
        return OAuth1Credentials(
            consumerKey: settings.consumerKey ?? "", consumerSecret: secrets.consumerSecret ?? "",
            token: tokens?.accessToken, tokenSecret: tokens?.tokenSecret, signatureMethod: method, rsaKey: key)
    }

    /// The OAuth 1.0a endpoints; the revocation URL is the token invalidation endpoint.
    public var oauth1Endpoints: OAuth1Client.Endpoints {
        OAuth1Client.Endpoints(
            requestTokenURL: requestTokenURL ?? "", userAuthorizationURL: userAuthorizationURL ?? "",
            accessTokenURL: accessTokenURL ?? "", invalidateTokenURL: revocationURL)
    }
}
