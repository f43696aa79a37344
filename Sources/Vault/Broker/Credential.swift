import OAuthCore

/// What a request needs to be authorized: never a refresh token or a client secret alone.
public enum Credential: Sendable {
    /// An OAuth 2.0 access token, ready as an `Authorization` header value.
    case bearer(authorization: String, accessToken: String)
    /// OAuth 1.0a consumer and token credentials: each request is signed with them.
    case oauth1(OAuth1Credentials)
    /// The key of an API-key connection and where it goes on a request.
    case apiKey(key: String, placement: APIKeyPlacement)

    /// The access token this credential carries, to tell a stale one from a fresh one.
    public var accessToken: String {
        switch self {
        case .bearer(_, let token): return token
        case .oauth1(let credentials): return credentials.token ?? ""
        case .apiKey(let key, _): return key
        }
    }
}
