import OAuthCore

/// What a request needs to be authorized: never a refresh token or a client secret alone.
public enum Credential: Sendable {
    /// An OAuth 2.0 access token, ready as an `Authorization` header value.
    case bearer(authorization: String, accessToken: String)
    /// OAuth 1.0a consumer and token credentials: each request is signed with them.
    case oauth1(OAuth1Credentials)

    /// The access token this credential carries, to tell a stale one from a fresh one.
    public var accessToken: String {
        switch self {
        case .bearer(_, let token): return token
        case .oauth1(let credentials): return credentials.token ?? ""
        }
    }
}

/// Why no credential could be given. The messages tell the user what to do.
public enum BrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Never authenticated, or signed out.
    case needsAuth(connection: String)
    /// The provider refused the refresh token or the client: log in again.
    case needsReauth(connection: String, reason: String)
    /// The provider or the network failed for now; the connection stays ready.
    case transient(connection: String, reason: String)
    /// The connection cannot be used (sealed data does not open, settings invalid).
    case unusable(connection: String, reason: String)

    public var description: String {
        switch self {
        case .needsAuth(let connection):
            return "connection \(connection) is not authenticated: run keyflow vault auth \(connection)"
        case .needsReauth(let connection, let reason):
            return
                "connection \(connection) needs to be authenticated again (\(reason)): run keyflow vault auth \(connection)"
        case .transient(let connection, let reason):
            return "connection \(connection): the provider could not refresh the token right now (\(reason)); try again"
        case .unusable(let connection, let reason):
            return "connection \(connection) cannot be used: \(reason)"
        }
    }
}
