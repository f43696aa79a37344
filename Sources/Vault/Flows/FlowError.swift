import Foundation
import OAuthCore

/// Why a login did not finish. Shown to the user as is; never carries a secret.
public enum FlowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider sent the user back with an error (`access_denied` when they said no).
    case denied(error: String, description: String?)
    /// The callback matches no login in progress: expired, already used, or forged.
    case unknownLogin
    /// The connection was edited while the user was logging in.
    case connectionChanged
    /// The callback came from a browser (or session) other than the one that started the login.
    case wrongBrowser
    /// The provider refused the code, verifier or client.
    case exchangeFailed(String)
    /// The connection holds an API key: there is nothing to log in to.
    case noLogin(kind: String)

    public var description: String {
        switch self {
        case .denied(let error, let description):
            return "the provider refused the login: \(error)" + (description.map { " (\($0))" } ?? "")
        case .unknownLogin:
            return
                "this callback matches no login in progress (it expired after 10 minutes, was already used, or was not started here)"
        case .connectionChanged:
            return "the connection was changed during the login; start it again"
        case .wrongBrowser:
            return
                "this login was started in another browser or by another user; finish it in the browser where it was started, signed in as the same user"
        case .exchangeFailed(let reason):
            return "the login could not be completed: \(reason)"
        case .noLogin(let kind):
            return "\(kind) connections have no login: set the key with Edit (keyflow vault edit ID --api-key -)"
        }
    }
}

extension ConnectionTokens {
    /// The stored form of an OAuth 2.0 token response.
    init(_ token: OAuth2Token) {
        self.init(
            accessToken: token.accessToken, tokenType: token.tokenType, refreshToken: token.refreshToken,
            expiresAt: token.expiresAt?.timeIntervalSince1970, scope: token.scope,
            refreshTokenExpiresAt: token.refreshTokenExpiresAt?.timeIntervalSince1970)
    }
}
