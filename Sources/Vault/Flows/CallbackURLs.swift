import OAuthCore

/// Where providers send the user back after a login: the OAuth 2.0 redirect URI and the
/// OAuth 1.0a callback URL. The flows are given them as a value by whoever listens there
/// (`keyflow serve`, or the CLI's one-shot listener); the Vault reads no setting of its own.
public struct CallbackURLs: Sendable, Equatable {
    /// The path of the OAuth 2.0 callback, under any base URL.
    public static let oauth2Path = "/oauth/oauth2/callback"
    /// The path of the OAuth 1.0a callback, under any base URL.
    public static let oauth1Path = "/oauth/oauth1/callback"

    /// The redirect URI to register at OAuth 2.0 providers.
    public let oauth2: String
    /// The callback URL for OAuth 1.0a providers.
    public let oauth1: String

    /// The callback URLs under `base`: scheme, host and port, without a trailing slash.
    public init(base: String) {
        oauth2 = base + Self.oauth2Path
        oauth1 = base + Self.oauth1Path
    }

    /// The URL providers of `kind` send users back to.
    public func url(for kind: ProviderKind.OAuthProtocol) -> String {
        kind == .oauth1 ? oauth1 : oauth2
    }
}
