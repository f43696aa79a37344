import Foundation
import OAuthCore
import TestSupport
import Testing

/// Request building and response parsing, against a recording transport. The same flows
/// run against a real server in AuthlibIntegrationTests.
struct OAuth2ClientTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func client(_ transport: RecordingTransport, _ change: (inout OAuth2Configuration) -> Void = { _ in })
        -> OAuth2Client
    {
        var configuration = OAuth2Configuration(
            clientID: "my app", clientSecret: "s3cr:et/+", authorizationURL: "https://auth.example/authorize?tenant=1",
            tokenURL: "https://auth.example/token", revocationURL: "https://auth.example/revoke",
            redirectURI: "http://127.0.0.1:8787/oauth/oauth2/callback", scopes: ["read", "write"])
        change(&configuration)
        return OAuth2Client(configuration: configuration, transport: transport, clock: { now })
    }

    @Test func authorizationURLHasEveryParameterAndKeepsTheBaseQuery() throws {
        let pkce = PKCE()
        let client = Self.client(RecordingTransport(json: "{}")) {
            $0.extraAuthorizationParameters = [("access_type", "offline"), ("prompt", "consent"), ("state", "evil")]
        }
        let url = try RequestURL(try client.authorizationURL(state: "st ate", pkce: pkce))
        let query = Dictionary(
            FormEncoding.decode(url.query ?? "").map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(url.baseStringURI == "https://auth.example/authorize")
        #expect(query["tenant"] == "1")
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == "my app")
        #expect(query["redirect_uri"] == "http://127.0.0.1:8787/oauth/oauth2/callback")
        #expect(query["scope"] == "read write")
        #expect(query["state"] == "st ate")  // extras cannot override the protocol's own parameters
        #expect(query["code_challenge"] == pkce.challenge)
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["access_type"] == "offline" && query["prompt"] == "consent")
        #expect(!(url.query ?? "").contains("s3cr"))
    }

    @Test func withoutPKCENoChallengeIsSent() throws {
        let url = try Self.client(RecordingTransport(json: "{}")).authorizationURL(state: "s", pkce: nil)
        #expect(!url.contains("code_challenge"))
    }

    @Test func basicAuthenticationFormEncodesBeforeBase64() async throws {
        let transport = RecordingTransport(
            json: #"{"access_token":"at","token_type":"bearer","expires_in":3600,"refresh_token":"rt"}"#)
        let pkce = PKCE()
        let token = try await Self.client(transport).exchange(code: "the code", pkce: pkce)
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST" && request.url == "https://auth.example/token")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        let expected = "Basic " + Data("my%20app:s3cr%3Aet%2F%2B".utf8).base64EncodedString()
        #expect(request.header("Authorization") == expected)
        #expect(
            request.form == [
                "grant_type": "authorization_code", "code": "the code",
                "redirect_uri": "http://127.0.0.1:8787/oauth/oauth2/callback", "code_verifier": pkce.verifier,
            ])
        #expect(
            token
                == OAuth2Token(
                    accessToken: "at", tokenType: "bearer", refreshToken: "rt",
                    expiresAt: Self.now.addingTimeInterval(3600)))
        #expect(token.authorizationHeader == "Bearer at")
    }

    @Test func postAuthenticationPutsCredentialsInTheBody() async throws {
        let transport = RecordingTransport(json: #"{"access_token":"at","token_type":"Bearer"}"#)
        _ = try await Self.client(transport) { $0.clientAuthentication = .post }.refresh("rt")
        let request = try #require(transport.requests.first)
        #expect(request.header("Authorization") == nil)
        #expect(
            request.form == [
                "grant_type": "refresh_token", "refresh_token": "rt", "client_id": "my app",
                "client_secret": "s3cr:et/+",
            ])
    }

    @Test func publicClientsSendOnlyTheirID() async throws {
        let transport = RecordingTransport(json: #"{"access_token":"at"}"#)
        _ = try await Self.client(transport) { $0.clientSecret = nil }.exchange(code: "c", pkce: PKCE())
        let request = try #require(transport.requests.first)
        #expect(request.header("Authorization") == nil)
        #expect(request.form["client_id"] == "my app" && request.form["client_secret"] == nil)
    }

    @Test func clientCredentialsSendScopeAndAudienceAndNeverKeepARefreshToken() async throws {
        let transport = RecordingTransport(json: #"{"access_token":"at","expires_in":"120","refresh_token":"ignored"}"#)
        let token = try await Self.client(transport) { $0.audience = "https://api.example" }.clientCredentials()
        #expect(
            transport.requests.first?.form == [
                "grant_type": "client_credentials", "scope": "read write", "audience": "https://api.example",
            ])
        #expect(token.refreshToken == nil)
        #expect(token.expiresAt == Self.now.addingTimeInterval(120))
    }

    @Test(
        arguments: [
            (#"{"access_token":"a","expires_in":3600}"#, 3600.0),
            (#"{"access_token":"a","expires_in":"3600"}"#, 3600.0),
            (#"{"access_token":"a","expires_in":59.5}"#, 59.5),
            (#"{"access_token":"a"}"#, nil),
            (#"{"access_token":"a","expires_in":null}"#, nil),
            (#"{"access_token":"a","expires_in":"soon"}"#, nil),
            (#"{"access_token":"a","expires_in":0}"#, nil),
        ] as [(String, Double?)])
    func expiresInIsANumberANumericStringOrUnknown(json: String, seconds: Double?) async throws {
        let token = try await Self.client(RecordingTransport(json: json)).refresh("rt")
        #expect(token.expiresAt == seconds.map { Self.now.addingTimeInterval($0) })
        #expect(token.expiresAt.map { $0.timeIntervalSince1970.isNaN } != true)
        #expect(token.tokenType == "Bearer")
    }

    @Test func unknownExpiryIsNeitherExpiredNorEternal() {
        let token = OAuth2Token(accessToken: "a")
        #expect(!token.expires(within: 60, of: Self.now))
        let soon = OAuth2Token(accessToken: "a", expiresAt: Self.now.addingTimeInterval(30))
        #expect(soon.expires(within: 60, of: Self.now))
        #expect(!soon.expires(within: 10, of: Self.now))
    }

    @Test func refreshKeepsTheOldRefreshTokenWhenNoNewOneComes() async throws {
        let token = try await Self.client(RecordingTransport(json: #"{"access_token":"a2"}"#)).refresh("rt-1")
        #expect(token.refreshToken == "rt-1")
        let rotated = try await Self.client(RecordingTransport(json: #"{"access_token":"a2","refresh_token":"rt-2"}"#))
            .refresh("rt-1")
        #expect(rotated.refreshToken == "rt-2")
    }

    @Test func formEncodedTokenResponsesAreUnderstood() async throws {
        let transport = RecordingTransport(
            json: "access_token=gho_abc&scope=repo&token_type=bearer", contentType: "application/x-www-form-urlencoded")
        let token = try await Self.client(transport).exchange(code: "c", pkce: nil)
        #expect(token.accessToken == "gho_abc" && token.scope == "repo")
    }

    @Test(
        arguments: [
            (400, #"{"error":"invalid_grant","error_description":"refresh token reused"}"#, "application/json", true),
            (401, #"{"error":"invalid_client"}"#, "application/json", true),
            (400, #"{"error":"invalid_scope"}"#, "application/json", true),
            (200, #"{"error":"bad_verification_code"}"#, "application/json", true),
            (503, #"{"error":"temporarily_unavailable"}"#, "application/json", false),
            (400, #"{"error":"server_error"}"#, "application/json", false),
        ] as [(Int, String, String, Bool)])
    func rfc6749ErrorsAreTypedAndClassified(status: Int, body: String, contentType: String, permanent: Bool)
        async throws
    {
        let transport = RecordingTransport(status: status, json: body, contentType: contentType)
        let error = await #expect(throws: OAuth2Error.self) { try await Self.client(transport).refresh("rt") }
        guard case .provider(let code, _, let gotStatus) = error else {
            Issue.record("not a provider error: \(String(describing: error))"); return
        }
        #expect(gotStatus == status)
        #expect(body.contains(code.rawValue))
        #expect(error?.isPermanent == permanent)
    }

    @Test func invalidGrantCarriesTheProvidersReason() async throws {
        let transport = RecordingTransport(
            status: 400, json: #"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#)
        let error = await #expect(throws: OAuth2Error.self) { try await Self.client(transport).refresh("rt") }
        #expect(error == .provider(code: .invalidGrant, description: "Token has been expired or revoked.", status: 400))
        #expect(error?.description.contains("Token has been expired or revoked.") == true)
    }

    @Test(
        arguments: [
            (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", false),
            (500, "oops", "text/plain", false),
            (429, "slow down", "text/plain", false),
            (404, "<html>Not Found</html>", "text/html", true),
            (200, #"{"token":"x"}"#, "application/json", true),
            (200, "<html>login page</html>", "text/html", true),
        ] as [(Int, String, String, Bool)])
    func nonJSONAndHTMLBodiesAreErrors(status: Int, body: String, contentType: String, permanent: Bool) async throws {
        let transport = RecordingTransport(status: status, json: body, contentType: contentType)
        let error = await #expect(throws: OAuth2Error.self) { try await Self.client(transport).refresh("rt") }
        guard case .unexpectedResponse(let gotStatus, let mediaType, _) = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(gotStatus == status && mediaType == contentType)
        #expect(error?.isPermanent == permanent)
    }

    @Test(arguments: [
        (200, #"{"accessToken":"SECRET-abc123"}"#),
        (500, "<html>debug: client_secret=SECRET-abc123</html>"),
    ])
    func errorExcerptsNeverCarryCredentials(status: Int, body: String) async throws {
        let transport = RecordingTransport(status: status, json: body, contentType: "text/html")
        let error = await #expect(throws: OAuth2Error.self) { try await Self.client(transport).refresh("rt") }
        #expect(error.map { !$0.description.contains("SECRET") } == true)
        let plain = RecordingTransport(
            status: 500, json: "<html><h1>Internal   Server Error</h1></html>", contentType: "text/html")
        let plainError = await #expect(throws: OAuth2Error.self) { try await Self.client(plain).refresh("rt") }
        #expect(plainError?.description.hasSuffix(": Internal Server Error") == true)
    }

    @Test func timeoutsAndNetworkFailuresAreTransient() async throws {
        let timeout = RecordingTransport { request in throw HTTPTransportError.timeout(url: request.url) }
        let error = await #expect(throws: OAuth2Error.self) { try await Self.client(timeout).refresh("rt") }
        #expect(error == .transport(.timeout(url: "https://auth.example/token")))
        #expect(error?.isPermanent == false)
    }

    @Test func revocationSendsTheTokenAndHintWithClientAuthentication() async throws {
        let transport = RecordingTransport(json: "")
        try await Self.client(transport).revoke("rt", hint: .refreshToken)
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://auth.example/revoke")
        #expect(request.form == ["token": "rt", "token_type_hint": "refresh_token"])
        #expect(request.header("Authorization")?.hasPrefix("Basic ") == true)

        let refused = RecordingTransport(status: 400, json: #"{"error":"unsupported_token_type"}"#)
        await #expect(throws: OAuth2Error.provider(code: .unsupportedTokenType, description: nil, status: 400)) {
            try await Self.client(refused).revoke("rt", hint: nil)
        }
        await #expect(throws: OAuth2Error.self) {
            try await Self.client(transport) { $0.revocationURL = nil }.revoke("x", hint: nil)
        }
    }

    @Test func badTokenURLsAreConfigurationErrors() async {
        let error = await #expect(throws: OAuth2Error.self) {
            try await Self.client(RecordingTransport(json: "{}")) { $0.tokenURL = "not a url" }.refresh("rt")
        }
        #expect(error?.isPermanent == true)
    }
}
