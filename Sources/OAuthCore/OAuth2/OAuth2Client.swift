import Foundation

/// The OAuth 2.0 client of RFC 6749: builds authorization URLs and makes token and
/// revocation requests. It holds no tokens; storing and refreshing them is the Vault's job.
public struct OAuth2Client: Sendable {
    /// The provider and app this client talks to.
    public let configuration: OAuth2Configuration
    private let transport: any HTTPTransport
    private let timeout: Duration
    private let clock: @Sendable () -> Date

    /// A client for one configuration, talking HTTP through `transport`; `clock` dates token expiries.
    public init(
        configuration: OAuth2Configuration, transport: any HTTPTransport, timeout: Duration = .seconds(30),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.timeout = timeout
        self.clock = clock
    }

    /// The URL to send the user to (RFC 6749 section 4.1.1), with the PKCE challenge
    /// (RFC 7636 section 4.3) when `pkce` is given and the provider's extras.
    public func authorizationURL(state: String, pkce: PKCE?) throws(OAuth2Error) -> String {
        guard let base = configuration.authorizationURL, !base.isEmpty else {
            throw .invalidConfiguration("no authorization URL is set")
        }
        let url: RequestURL
        do { url = try RequestURL(base) } catch { throw .invalidConfiguration(error.description) }
        var parameters: [(name: String, value: String)] = [
            ("response_type", "code"),
            ("client_id", configuration.clientID),
        ]
        if let redirectURI = configuration.redirectURI { parameters.append(("redirect_uri", redirectURI)) }
        if !configuration.scopes.isEmpty {
            parameters.append(("scope", configuration.scopes.joined(separator: configuration.scopeSeparator)))
        }
        parameters.append(("state", state))
        if let pkce {
            parameters.append(("code_challenge", pkce.challenge))
            parameters.append(("code_challenge_method", PKCE.method))
        }
        let taken = Set(parameters.map(\.name))
        parameters.append(contentsOf: configuration.extraAuthorizationParameters.filter { !taken.contains($0.name) })
        let query = FormEncoding.encode(parameters)
        return url.replacingQuery(url.query.map { $0.isEmpty ? query : "\($0)&\(query)" } ?? query).description
    }

    /// Exchanges an authorization code (section 4.1.3), with the PKCE verifier if one was used.
    public func exchange(code: String, pkce: PKCE?) async throws(OAuth2Error) -> OAuth2Token {
        var form: [(name: String, value: String)] = [("grant_type", "authorization_code"), ("code", code)]
        if let redirectURI = configuration.redirectURI { form.append(("redirect_uri", redirectURI)) }
        if let pkce { form.append(("code_verifier", pkce.verifier)) }
        return try await tokenRequest(form)
    }

    /// Uses a refresh token (section 6). When the provider does not rotate (no new refresh
    /// token in the response), the one used stays valid and is returned in the token.
    public func refresh(_ refreshToken: String, scopes: [String]? = nil) async throws(OAuth2Error) -> OAuth2Token {
        var form: [(name: String, value: String)] = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        if let scopes, !scopes.isEmpty {
            form.append(("scope", scopes.joined(separator: configuration.scopeSeparator)))
        }
        var token = try await tokenRequest(form)
        if token.refreshToken == nil { token.refreshToken = refreshToken }
        return token
    }

    /// The client credentials grant (section 4.4), with the configured scopes and audience.
    public func clientCredentials() async throws(OAuth2Error) -> OAuth2Token {
        var form: [(name: String, value: String)] = [("grant_type", "client_credentials")]
        if !configuration.scopes.isEmpty {
            form.append(("scope", configuration.scopes.joined(separator: configuration.scopeSeparator)))
        }
        if let audience = configuration.audience, !audience.isEmpty { form.append(("audience", audience)) }
        var token = try await tokenRequest(form)
        token.refreshToken = nil  // section 4.4.3: a refresh token SHOULD NOT be included; never use one
        return token
    }

    /// Revokes a token (RFC 7009). Revoking an unknown or already revoked token succeeds,
    /// as the RFC says; `unsupported_token_type` and server failures are errors.
    public func revoke(_ token: String, hint: TokenTypeHint?) async throws(OAuth2Error) {
        guard let revocationURL = configuration.revocationURL, !revocationURL.isEmpty else {
            throw .invalidConfiguration("the provider has no revocation endpoint")
        }
        var form: [(name: String, value: String)] = [("token", token)]
        if let hint { form.append(("token_type_hint", hint.rawValue)) }
        let response = try await post(form, to: revocationURL)
        if let error = TokenResponseParser.error(in: response) { throw error }
    }

    /// RFC 7009 `token_type_hint`.
    public enum TokenTypeHint: String, Sendable {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
    }

    private func tokenRequest(_ form: [(name: String, value: String)]) async throws(OAuth2Error) -> OAuth2Token {
        let sentAt = clock()
        let response = try await post(form, to: configuration.tokenURL)
        return try TokenResponseParser.parse(response, now: sentAt)
    }

    /// POSTs a form with the client's authentication.
    private func post(_ form: [(name: String, value: String)], to url: String) async throws(OAuth2Error)
        -> HTTPTransportResponse
    {
        do { _ = try RequestURL(url) } catch { throw .invalidConfiguration(error.description) }
        var form = form
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ]
        let secret = configuration.clientSecret ?? ""
        switch configuration.clientAuthentication {
        case .basic where !secret.isEmpty:
            // Section 2.3.1: id and secret are form-encoded before being joined and base64-ed.
            let credentials = PercentEncoding.encode(configuration.clientID) + ":" + PercentEncoding.encode(secret)
            headers.append(("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString()))
        case .post where !secret.isEmpty:
            form.append(("client_id", configuration.clientID))
            form.append(("client_secret", secret))
        case .basic, .post, .none:
            form.append(("client_id", configuration.clientID))
        }
        let request = HTTPTransportRequest(
            method: "POST", url: url, headers: headers, body: Array(FormEncoding.encode(form).utf8))
        do {
            return try await transport.send(request, timeout: timeout)
        } catch let error as HTTPTransportError {
            throw .transport(error)
        } catch is CancellationError {
            throw .transport(.cancelled)
        } catch {
            throw .transport(.network(url: AsyncHTTPTransport.redacted(url), reason: String(describing: error)))
        }
    }
}
