/// The parts of an HTTP request that an OAuth 1.0a signature covers.
public struct OAuth1Request: Sendable {
    /// The HTTP method; it is upper-cased when signed.
    public var method: String
    /// The URL as it will be sent, query included.
    public var url: RequestURL
    /// The body, which matters to the signature only when it is form-encoded (its parameters
    /// are signed) or when a body hash is asked for.
    public var body: Body

    /// A request body as the signer sees it.
    public enum Body: Sendable {
        /// No body.
        case none
        /// An `application/x-www-form-urlencoded` body, as sent.
        case form(String)
        /// Any other body; covered only through `oauth_body_hash`.
        case bytes([UInt8])
    }

    /// The signed parts of a request.
    public init(method: String, url: RequestURL, body: Body = .none) {
        self.method = method
        self.url = url
        self.body = body
    }

    /// Parses `url` first; the error says what is wrong with it.
    public init(method: String, url: String, body: Body = .none) throws(OAuth1Error) {
        do {
            self.init(method: method, url: try RequestURL(url), body: body)
        } catch {
            throw .invalidURL(error)
        }
    }
}
