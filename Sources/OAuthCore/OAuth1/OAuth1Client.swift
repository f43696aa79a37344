/// The three-legged OAuth 1.0a flow of RFC 5849 section 2: temporary credentials, the
/// user's authorization, then token credentials. Each request is signed with `OAuth1Signer`.
public struct OAuth1Client: Sendable {
    /// The provider's three endpoints, plus its token invalidation endpoint if it has one.
    public struct Endpoints: Sendable {
        /// Where temporary credentials are requested (section 2.1).
        public var requestTokenURL: String
        /// Where the user is sent to authorize (section 2.2).
        public var userAuthorizationURL: String
        /// Where token credentials are requested (section 2.3).
        public var accessTokenURL: String
        /// Where token credentials are invalidated on sign-out, when the provider has such an endpoint.
        public var invalidateTokenURL: String?

        /// The endpoints of one provider.
        public init(
            requestTokenURL: String, userAuthorizationURL: String, accessTokenURL: String,
            invalidateTokenURL: String? = nil
        ) {
            self.requestTokenURL = requestTokenURL
            self.userAuthorizationURL = userAuthorizationURL
            self.accessTokenURL = accessTokenURL
            self.invalidateTokenURL = invalidateTokenURL
        }
    }

    /// A token and its secret: temporary (request) credentials or token (access) credentials.
    public struct TokenPair: Sendable, Equatable {
        /// The `oauth_token`.
        public var token: String
        /// The `oauth_token_secret`.
        public var secret: String
        /// Everything else the provider sent (`user_id`, `screen_name`, ...).
        public var extra: [String: String]

        /// A token pair with the provider's extra fields.
        public init(token: String, secret: String, extra: [String: String] = [:]) {
            self.token = token
            self.secret = secret
            self.extra = extra
        }
    }

    /// The provider's endpoints.
    public let endpoints: Endpoints
    /// Consumer credentials; the token fields are ignored (each call sets its own).
    public let consumer: OAuth1Credentials
    private let transport: any HTTPTransport
    private let timeout: Duration

    /// A client for one consumer at one provider, talking HTTP through `transport`.
    public init(
        consumer: OAuth1Credentials, endpoints: Endpoints, transport: any HTTPTransport,
        timeout: Duration = .seconds(30)
    ) {
        var consumer = consumer
        consumer.token = nil
        consumer.tokenSecret = nil
        self.consumer = consumer
        self.endpoints = endpoints
        self.transport = transport
        self.timeout = timeout
    }

    /// Section 2.1: temporary credentials, with the callback the user will come back to.
    public func requestToken(callback: String) async throws(OAuth1FlowError) -> TokenPair {
        let fields = try await signedPost(
            endpoints.requestTokenURL, token: nil,
            extra: [("oauth_callback", callback)])
        guard fields["oauth_callback_confirmed"] == "true" else {
            throw .unexpectedResponse(
                "the request-token response lacks oauth_callback_confirmed=true (RFC 5849 section 2.1)")
        }
        return try pair(from: fields)
    }

    /// Section 2.2: where to send the user, with the temporary token.
    public func authorizationURL(for temporary: TokenPair) throws(OAuth1FlowError) -> String {
        let url: RequestURL
        do { url = try RequestURL(endpoints.userAuthorizationURL) } catch {
            throw .invalidConfiguration(error.description)
        }
        let query = FormEncoding.encode([("oauth_token", temporary.token)])
        return url.replacingQuery(url.query.map { $0.isEmpty ? query : "\($0)&\(query)" } ?? query).description
    }

    /// Section 2.3: trades the temporary credentials and the verifier for token credentials.
    public func accessToken(temporary: TokenPair, verifier: String) async throws(OAuth1FlowError) -> TokenPair {
        let fields = try await signedPost(
            endpoints.accessTokenURL, token: temporary, extra: [("oauth_verifier", verifier)])
        return try pair(from: fields)
    }

    /// Invalidates token credentials where the provider supports it (X's `invalidate_token`).
    public func invalidate(_ credentials: TokenPair) async throws(OAuth1FlowError) {
        guard let url = endpoints.invalidateTokenURL, !url.isEmpty else {
            throw .invalidConfiguration("the provider has no token invalidation endpoint")
        }
        _ = try await signedPost(url, token: credentials, extra: [])
    }

    /// What the user's return to the callback carried (section 2.2). The returned
    /// `oauth_token` must be the temporary token of this flow, which makes it the `state`.
    public static func parseCallback(query: String, expected temporary: TokenPair) throws(OAuth1FlowError) -> String {
        let fields = FormEncoding.fields(query)
        if let denied = fields["denied"] {
            guard ConstantTime.isEqual(denied, temporary.token) else { throw .callbackMismatch }
            throw .denied
        }
        guard let token = fields["oauth_token"], ConstantTime.isEqual(token, temporary.token) else {
            throw .callbackMismatch
        }
        guard let verifier = fields["oauth_verifier"], !verifier.isEmpty else {
            throw .unexpectedResponse("the callback has no oauth_verifier")
        }
        return verifier
    }

    private func pair(from fields: [String: String]) throws(OAuth1FlowError) -> TokenPair {
        guard let token = fields["oauth_token"], !token.isEmpty, let secret = fields["oauth_token_secret"] else {
            throw .unexpectedResponse("the response has no oauth_token and oauth_token_secret")
        }
        var extra = fields
        for name in ["oauth_token", "oauth_token_secret", "oauth_callback_confirmed"] { extra[name] = nil }
        return TokenPair(token: token, secret: secret, extra: extra)
    }

    private func signedPost(_ url: String, token: TokenPair?, extra: [(name: String, value: String)])
        async throws(OAuth1FlowError) -> [String: String]
    {
        var credentials = consumer
        credentials.token = token?.token
        credentials.tokenSecret = token?.secret
        let request: OAuth1Request
        let header: String
        do {
            request = try OAuth1Request(method: "POST", url: url)
            header = try OAuth1Signer(credentials: credentials).sign(
                request, options: .init(extraProtocolParameters: extra)
            )
            .authorizationHeader()
        } catch {
            throw .invalidConfiguration(error.description)
        }
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(
                HTTPTransportRequest(
                    method: "POST", url: request.url.description,
                    headers: [("Authorization", header), ("Content-Length", "0")], body: nil),
                timeout: timeout)
        } catch let error as HTTPTransportError {
            throw .transport(error)
        } catch {
            throw .transport(.network(url: request.url.baseStringURI, reason: String(describing: error)))
        }
        let text = String(decoding: response.body, as: UTF8.self)
        let fields = FormEncoding.fields(text)
        guard (200..<300).contains(response.status) else {
            let reason =
                fields["error_description"] ?? fields["error"] ?? TokenResponseParser.excerpt(of: response.body)
            throw .provider(status: response.status, message: reason)
        }
        return fields
    }
}
