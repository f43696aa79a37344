/// What an OAuth 1.0a signature is made with: the client (consumer) credentials and, once
/// the user has authorized, the token credentials.
public struct OAuth1Credentials: Sendable {
    /// `oauth_consumer_key`.
    public var consumerKey: String
    /// The consumer secret (unused by RSA-SHA1).
    public var consumerSecret: String
    /// `oauth_token`: the request token during the flow, then the access token.
    public var token: String?
    /// The token secret that goes with `token`.
    public var tokenSecret: String?
    /// How requests are signed.
    public var signatureMethod: OAuth1SignatureMethod
    /// The private key for RSA-SHA1.
    public var rsaKey: OAuth1RSAKey?

    /// Credentials for one consumer and, once the user has authorized, one token.
    public init(
        consumerKey: String, consumerSecret: String, token: String? = nil, tokenSecret: String? = nil,
        signatureMethod: OAuth1SignatureMethod = .hmacSHA1, rsaKey: OAuth1RSAKey? = nil
    ) {
        self.consumerKey = consumerKey
        self.consumerSecret = consumerSecret
        self.token = token
        self.tokenSecret = tokenSecret
        self.signatureMethod = signatureMethod
        self.rsaKey = rsaKey
    }
}
