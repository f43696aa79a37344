import Foundation
import OAuthCore
import TestSupport
import Testing

/// The OAuth 2.0 client against Authlib running as a real authorization server on
/// loopback (`peers/authlib_server.py`): the whole authorization code + PKCE flow with a
/// user who approves, refresh with rotation, reuse of a rotated refresh token, client
/// credentials with both client authentication styles, and revocation.
@Suite(.serialized) struct AuthlibIntegrationTests {
    static let redirectURI = "http://127.0.0.1:8787/oauth/oauth2/callback"

    /// The user approves (or denies) at Authlib's consent page; returns the callback's query.
    static func approve(_ authorizationURL: String, confirm: String = "yes", using transport: AsyncHTTPTransport)
        async throws -> String
    {
        let location = try await ConsentPage.decide(authorizationURL, approve: confirm == "yes", using: transport)
        #expect(location.hasPrefix(redirectURI + "?"))
        return try RequestURL(location).query ?? ""
    }

    static func me(_ token: OAuth2Token, server: PeerServer, using transport: AsyncHTTPTransport) async throws -> (
        Int, [String: Any]
    ) {
        let response = try await transport.send(
            HTTPTransportRequest(
                method: "GET", url: server.baseURL + "/api/me", headers: [("Authorization", token.authorizationHeader)]),
            timeout: .seconds(10))
        return (
            response.status, (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        )
    }

    static func stats(_ server: PeerServer, using transport: AsyncHTTPTransport) async throws -> [String: Int] {
        let response = try await transport.send(
            HTTPTransportRequest(method: "GET", url: server.baseURL + "/stats"), timeout: .seconds(10))
        let json = (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        return (json?["token_requests"] as? [String: Int]) ?? [:]
    }

    static func configuration(
        _ server: PeerServer, clientID: String, secret: String?, authentication: ClientAuthentication
    ) -> OAuth2Configuration {
        OAuth2Configuration(
            clientID: clientID, clientSecret: secret, authorizationURL: server.baseURL + "/authorize",
            tokenURL: server.baseURL + "/token", revocationURL: server.baseURL + "/revoke",
            redirectURI: redirectURI, scopes: ["read", "profile"], clientAuthentication: authentication)
    }

    @Test func authorizationCodeWithPKCEThenRotatingRefreshThenReuseFailsPermanently() async throws {
        let server = try PeerServer(script: "authlib_server.py")
        defer { server.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        // A confidential client with PKCE required: it still authenticates (Basic), as X wants.
        let client = OAuth2Client(
            configuration: Self.configuration(
                server, clientID: "pkce-client", secret: "secret-pkce",
                authentication: .basic), transport: transport)
        let pkce = PKCE()
        let state = PKCE().verifier  // any unguessable value
        let callback = try await Self.approve(try client.authorizationURL(state: state, pkce: pkce), using: transport)
        guard case .code(let code) = try AuthorizationCallback.parse(query: callback, expectedState: state) else {
            Issue.record("the approval did not return a code: \(callback)"); return
        }
        #expect(throws: CallbackError.stateMismatch) {
            try AuthorizationCallback.parse(query: callback, expectedState: state + "x")
        }

        let first = try await client.exchange(code: code, pkce: pkce)
        let firstRefresh = try #require(first.refreshToken)
        let lifetime = try #require(first.expiresAt).timeIntervalSinceNow
        #expect(lifetime > 3500 && lifetime <= 3600)
        #expect(first.scope == "read profile")
        let (status, me) = try await Self.me(first, server: server, using: transport)
        #expect(status == 200 && me["sub"] as? String == "alice" && me["client_id"] as? String == "pkce-client")

        // The code is single use.
        let reused = await #expect(throws: OAuth2Error.self) { try await client.exchange(code: code, pkce: pkce) }
        #expect(reused?.isPermanent == true)

        // Refresh rotates the refresh token; the new access token works.
        let second = try await client.refresh(firstRefresh)
        #expect(second.refreshToken != nil && second.refreshToken != firstRefresh)
        #expect(second.accessToken != first.accessToken)
        #expect(try await Self.me(second, server: server, using: transport).0 == 200)

        // Using the rotated-out refresh token again is refused for good: re-authenticate.
        let error = await #expect(throws: OAuth2Error.self) { try await client.refresh(firstRefresh) }
        guard case .provider(let codeName, _, let httpStatus) = error else {
            Issue.record("unexpected \(String(describing: error))"); return
        }
        #expect(codeName == .invalidGrant && httpStatus == 400)
        #expect(error?.isPermanent == true)

        // Revocation (RFC 7009) ends the current refresh token too.
        try await client.revoke(try #require(second.refreshToken), hint: .refreshToken)
        let afterRevoke = await #expect(throws: OAuth2Error.self) {
            try await client.refresh(second.refreshToken ?? "")
        }
        #expect(afterRevoke?.isPermanent == true)

        let counts = try await Self.stats(server, using: transport)
        #expect(counts["authorization_code"] == 2 && counts["refresh_token"] == 3)
    }

    @Test func aVerifierThatDoesNotMatchTheChallengeIsRefused() async throws {
        let server = try PeerServer(script: "authlib_server.py")
        defer { server.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let client = OAuth2Client(
            configuration: Self.configuration(server, clientID: "public-pkce", secret: nil, authentication: .none),
            transport: transport)
        let pkce = PKCE()
        let callback = try await Self.approve(try client.authorizationURL(state: "s-1", pkce: pkce), using: transport)
        guard case .code(let code) = try AuthorizationCallback.parse(query: callback, expectedState: "s-1") else {
            Issue.record("no code"); return
        }
        let error = await #expect(throws: OAuth2Error.self) { try await client.exchange(code: code, pkce: PKCE()) }
        #expect(error?.isPermanent == true)
    }

    @Test func aUserWhoDeniesComesBackWithAccessDenied() async throws {
        let server = try PeerServer(script: "authlib_server.py")
        defer { server.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let client = OAuth2Client(
            configuration: Self.configuration(
                server, clientID: "confidential-basic", secret: "secret-basic",
                authentication: .basic), transport: transport)
        let callback = try await Self.approve(
            try client.authorizationURL(state: "s-2", pkce: PKCE()), confirm: "no", using: transport)
        let outcome = try AuthorizationCallback.parse(query: callback, expectedState: "s-2")
        guard case .denied(let error, _) = outcome else { Issue.record("expected a denial, got \(outcome)"); return }
        #expect(error == "access_denied")
    }

    @Test(arguments: [
        ("confidential-basic", "secret-basic", ClientAuthentication.basic),
        ("confidential-post", "secret-post", ClientAuthentication.post),
    ])
    func clientCredentialsWithEachAuthenticationStyle(
        clientID: String, secret: String, authentication: ClientAuthentication
    ) async throws {
        let server = try PeerServer(script: "authlib_server.py")
        defer { server.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        var configuration = Self.configuration(
            server, clientID: clientID, secret: secret, authentication: authentication)
        configuration.audience = "https://api.example"
        let token = try await OAuth2Client(configuration: configuration, transport: transport).clientCredentials()
        #expect(token.refreshToken == nil)
        #expect(token.expiresAt != nil)
        let (status, me) = try await Self.me(token, server: server, using: transport)
        #expect(status == 200)
        #expect(me["client_id"] as? String == clientID)
        #expect(me["audience"] as? String == "https://api.example")

        // The other style, or a wrong secret, is invalid_client: permanent.
        var wrongStyle = configuration
        wrongStyle.clientAuthentication = authentication == .basic ? .post : .basic
        let styleError = await #expect(throws: OAuth2Error.self) {
            try await OAuth2Client(configuration: wrongStyle, transport: transport).clientCredentials()
        }
        var wrongSecret = configuration
        wrongSecret.clientSecret = "not-the-secret"
        let secretError = await #expect(throws: OAuth2Error.self) {
            try await OAuth2Client(configuration: wrongSecret, transport: transport).clientCredentials()
        }
        for error in [styleError, secretError] {
            guard case .provider(let code, _, _) = error else {
                Issue.record("unexpected \(String(describing: error))"); continue
            }
            #expect(code == .invalidClient)
            #expect(error?.isPermanent == true)
            #expect(
                error.map { !$0.description.contains("not-the-secret") && !$0.description.contains(secret) } == true)
        }
        #expect(try await Self.stats(server, using: transport)["client_credentials"] == 3)
    }
}

/// The AsyncHTTPClient transport's own failure modes, against sockets that misbehave.
struct AsyncHTTPTransportTests {
    @Test func aServerThatNeverAnswersIsATimeout() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let client = OAuth2Client(
            configuration: OAuth2Configuration(
                clientID: "c", tokenURL: "http://127.0.0.1:\(listener.port)/token?secret=x"),
            transport: transport, timeout: .milliseconds(300))
        let error = await #expect(throws: OAuth2Error.self) { try await client.refresh("rt") }
        #expect(error == .transport(.timeout(url: "http://127.0.0.1:\(listener.port)/token")))
        #expect(error?.isPermanent == false)
    }

    @Test func aClosedPortIsANetworkError() async throws {
        let port = try SilentListener().closeAndReturnPort()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let client = OAuth2Client(
            configuration: OAuth2Configuration(clientID: "c", tokenURL: "http://127.0.0.1:\(port)/token"),
            transport: transport, timeout: .seconds(1))
        let error = await #expect(throws: OAuth2Error.self) { try await client.clientCredentials() }
        guard case .transport(.network(_, let reason)) = error else {
            Issue.record("expected a network error, got \(String(describing: error))"); return
        }
        #expect(reason.lowercased().contains("refused"))
        #expect(error?.isPermanent == false)
    }

    @Test func redirectsAreNeverFollowed() async throws {
        let server = try PeerServer(script: "authlib_server.py")
        defer { server.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        // GET /authorize with a valid request answers 200; an approval answers 302, which the
        // transport must hand back instead of following to the (unlistened) callback.
        let client = OAuth2Client(
            configuration: AuthlibIntegrationTests.configuration(
                server, clientID: "confidential-basic",
                secret: "secret-basic", authentication: .basic),
            transport: transport)
        let url = try client.authorizationURL(state: "s", pkce: nil)
        let response = try await transport.send(
            HTTPTransportRequest(
                method: "POST", url: url, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("confirm=yes".utf8)), timeout: .seconds(10))
        #expect(response.status == 302)
    }
}
