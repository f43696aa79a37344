import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// Every kind's add → authenticate → use → sign out, against the independent peers: Authlib
/// for OAuth 2.0 (the prefilled kinds pointed at it) and oauthlib for OAuth 1.0a.
@Suite(.serialized) struct VaultFlowTests {
    struct OAuth2Case: Sendable, CustomTestStringConvertible {
        let kind: String
        let clientID: String
        let secret: String
        let pkce: Bool?
        var testDescription: String { kind }
    }

    /// Client ids of peers/authlib_server.py's built-in clients, chosen to match each kind's
    /// client authentication (Google and LinkedIn post, X and custom Basic).
    static let oauth2Cases = [
        OAuth2Case(kind: "google", clientID: "confidential-post", secret: "secret-post", pkce: nil),
        OAuth2Case(kind: "linkedin", clientID: "confidential-post", secret: "secret-post", pkce: nil),
        OAuth2Case(kind: "x-oauth2", clientID: "pkce-client", secret: "secret-pkce", pkce: nil),
        OAuth2Case(kind: "custom-oauth2", clientID: "confidential-basic", secret: "secret-basic", pkce: true),
        OAuth2Case(kind: "custom-oauth2", clientID: "confidential-basic", secret: "secret-basic", pkce: false),
    ]

    static func api(
        _ request: HTTPTransportRequest, _ authorizer: TestAuthorizer, connection: String,
        transport: AsyncHTTPTransport
    ) async throws -> HTTPTransportResponse {
        // The whole authorizing transport against the peer: origin check, credential, 401 retry.
        try await authorizer.transport(transport, connection: connection).send(request, timeout: .seconds(10))
    }

    @Test(arguments: oauth2Cases)
    func oauth2KindsAuthenticateCallTheAPIAndSignOut(_ test: OAuth2Case) async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let home = try TestHome()
        let vault = try await home.open()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let id = try await vault.add(
            kind: test.kind, name: test.kind,
            input: ConnectionInput(
                text: [
                    "clientID": test.clientID, "clientSecret": test.secret,
                    "authorizationURL": peer.baseURL + "/authorize",
                    "tokenURL": peer.baseURL + "/token", "revocationURL": peer.baseURL + "/revoke",
                ],
                scopes: ["read", "profile"], allowedHosts: [peer.baseURL], pkce: test.pkce)
        ).id

        let connection = try await login(
            AuthorizationFlows(vault: vault, transport: transport, callbacks: TestHome.callbacks), id,
            transport: transport)
        #expect(connection.status == .ready && connection.hasTokens)
        let tokens = try #require(try await vault.tokens(of: id))
        #expect(tokens.refreshToken != nil && tokens.expiresAt != nil)

        let authorizer = TestAuthorizer(broker: TokenBroker(vault: vault, transport: transport))
        let me = try await Self.api(
            HTTPTransportRequest(method: "GET", url: peer.baseURL + "/api/me"), authorizer,
            connection: id, transport: transport)
        #expect(me.status == 200)
        #expect(String(decoding: me.body, as: UTF8.self).contains(test.clientID))

        // Sign out revokes at the provider: the old access token stops working.
        try await SignOut(vault: vault, transport: transport).run(id)
        #expect(try await vault.connection(id).status == .needsAuth)
        #expect(try await vault.tokens(of: id) == nil)
        let stale = try await transport.send(
            HTTPTransportRequest(
                method: "GET", url: peer.baseURL + "/api/me",
                headers: [("Authorization", "Bearer \(tokens.accessToken)")]),
            timeout: .seconds(10))
        #expect(stale.status == 401)
        await #expect(throws: BrokerError.needsAuth(connection: id)) {
            try await TokenBroker(vault: vault, transport: transport).credential(for: id)
        }
    }

    @Test func clientCredentialsNeedNoBrowser() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let vault = try await TestHome().open()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let id = try await vault.add(
            kind: "client-credentials", name: "Reports",
            input: ConnectionInput(
                text: [
                    "clientID": "confidential-basic", "clientSecret": "secret-basic",
                    "tokenURL": peer.baseURL + "/token",
                    "audience": "https://reports.example",
                ], scopes: ["read"])
        ).id
        let started = try await AuthorizationFlows(vault: vault, transport: transport, callbacks: TestHome.callbacks)
            .start(id)
        guard case .completed(let connection) = started else {
            Issue.record("client credentials asked for a browser"); return
        }
        #expect(connection.status == .ready)
        // No allowed hosts given: the host of the token URL is allowed.
        let me = try await Self.api(
            HTTPTransportRequest(method: "GET", url: peer.baseURL + "/api/me"),
            TestAuthorizer(broker: TokenBroker(vault: vault, transport: transport)), connection: id,
            transport: transport)
        #expect(me.status == 200 && String(decoding: me.body, as: UTF8.self).contains("reports.example"))
        try await SignOut(vault: vault, transport: transport).run(id)
        #expect(try await vault.connection(id).status == .needsAuth)
    }

    @Test func aUserWhoDeniesLeavesTheConnectionUnchanged() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let vault = try await TestHome().open()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let id = try await addPeerConnection(vault, peer: peer)
        let before = try await vault.connection(id)
        let flows = AuthorizationFlows(vault: vault, transport: transport, callbacks: TestHome.callbacks)
        let error = await #expect(throws: FlowError.self) {
            try await login(flows, id, transport: transport, approve: false)
        }
        guard case .denied(let code, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(code == "access_denied")
        #expect(try await vault.connection(id) == before)
    }

    @Test func callbacksWithUnknownOrReusedStateAreRefused() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let vault = try await TestHome().open()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let id = try await addPeerConnection(vault, peer: peer)
        let flows = AuthorizationFlows(vault: vault, transport: transport, callbacks: TestHome.callbacks)
        guard case .browser(let url) = try await flows.start(id) else { Issue.record("no browser step"); return }
        let location = try RequestURL(try await ConsentPage.decide(url, using: transport))
        let forged = (location.query ?? "").replacingOccurrences(of: "state=", with: "state=x")
        await #expect(throws: FlowError.unknownLogin) { try await flows.complete(path: location.path, query: forged) }
        try await flows.complete(path: location.path, query: location.query ?? "")
        await #expect(throws: FlowError.unknownLogin) {
            try await flows.complete(path: location.path, query: location.query ?? "")
        }
        // Expired after its lifetime.
        let shortLived = AuthorizationFlows(
            vault: vault, transport: transport, callbacks: TestHome.callbacks, lifetime: 0.05)
        guard case .browser(let second) = try await shortLived.start(id) else { return }
        let late = try RequestURL(try await ConsentPage.decide(second, using: transport))
        try await Task.sleep(for: .milliseconds(100))
        await #expect(throws: FlowError.unknownLogin) {
            try await shortLived.complete(path: late.path, query: late.query ?? "")
        }
    }

    @Test(arguments: ["x-oauth1", "custom-oauth1-rsa"])
    func oauth1KindsAuthenticateCallTheAPIAndSignOut(_ variant: String) async throws {
        let peer = try PeerServer(script: "oauth1_provider.py")
        defer { peer.stop() }
        let vault = try await TestHome().open()
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        var text = [
            "requestTokenURL": peer.baseURL + "/oauth/request_token",
            "accessTokenURL": peer.baseURL + "/oauth/access_token",
            "userAuthorizationURL": peer.baseURL + "/oauth/authorize",
            "revocationURL": peer.baseURL + "/oauth/invalidate_token",
        ]
        if variant == "x-oauth1" {
            text["consumerKey"] = "consumer-key-1"
            text["consumerSecret"] = "consumer-secret-1"
        } else {
            let publicKey = try Repository.text("fixtures/keys/rsa-2048-test.pub.pem")
            let body = try JSONSerialization.data(withJSONObject: [
                "key": "rsa-consumer", "secret": "", "rsa_public_key": publicKey,
                "callback_uris": ["loopback"],
            ])
            let registered = try await transport.send(
                HTTPTransportRequest(
                    method: "POST", url: peer.baseURL + "/admin/consumers",
                    headers: [("Content-Type", "application/json")], body: Array(body)),
                timeout: .seconds(10))
            #expect((200..<300).contains(registered.status))
            text["consumerKey"] = "rsa-consumer"
            text["signatureMethod"] = "RSA-SHA1"
            text["privateKey"] = try Repository.text("fixtures/keys/rsa-2048-test.pem")
        }
        let kind = variant == "x-oauth1" ? "x-oauth1" : "custom-oauth1"
        let id = try await vault.add(
            kind: kind, name: variant, input: ConnectionInput(text: text, allowedHosts: [peer.baseURL], bodyHash: true)
        ).id
        let connection = try await login(
            AuthorizationFlows(vault: vault, transport: transport, callbacks: TestHome.callbacks), id,
            transport: transport)
        #expect(connection.status == .ready)
        let tokens = try #require(try await vault.tokens(of: id))
        #expect(tokens.tokenSecret != nil && tokens.extra?["screen_name"] == "alice")

        let authorizer = TestAuthorizer(broker: TokenBroker(vault: vault, transport: transport))
        // A signed GET with a query and a signed form POST: the signature covers both.
        let get = try await Self.api(
            HTTPTransportRequest(method: "GET", url: peer.baseURL + "/api/echo?q=caf%C3%A9&n=1"), authorizer,
            connection: id, transport: transport)
        #expect(get.status == 200, "\(String(decoding: get.body, as: UTF8.self))")
        let post = try await Self.api(
            HTTPTransportRequest(
                method: "POST", url: peer.baseURL + "/api/echo",
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("status=Hello%20Ladies%20%2B%20Gentlemen&x=%E2%9C%93".utf8)),
            authorizer, connection: id, transport: transport)
        #expect(post.status == 200, "\(String(decoding: post.body, as: UTF8.self))")
        #expect(String(decoding: post.body, as: UTF8.self).contains("Hello Ladies + Gentlemen"))
        // A JSON body is covered by oauth_body_hash (the connection asks for it), and the
        // provider still verifies the signature.
        var json = HTTPTransportRequest(
            method: "POST", url: peer.baseURL + "/api/echo", headers: [("Content-Type", "application/json")],
            body: Array(#"{"text":"hi"}"#.utf8))
        try await authorizer.authorize(&json, connection: id)
        #expect(json.header("Authorization")?.contains("oauth_body_hash=") == true)
        #expect(try await transport.send(json, timeout: .seconds(10)).status == 200)

        try await SignOut(vault: vault, transport: transport).run(id)
        #expect(try await vault.connection(id).status == .needsAuth)
        // The invalidated token no longer works at the provider.
        var stale = HTTPTransportRequest(method: "GET", url: peer.baseURL + "/api/echo")
        let signer = await OAuth1Signer(
            credentials: try vault.effectiveSettings(of: vault.connection(id))
                .oauth1Credentials(secrets: try vault.secrets(of: id), tokens: tokens))
        stale.headers.append(
            ("Authorization", try signer.sign(OAuth1Request(method: "GET", url: stale.url)).authorizationHeader()))
        #expect(try await transport.send(stale, timeout: .seconds(10)).status == 401)
    }

    @Test func aRequestToAHostTheConnectionDoesNotAllowIsNeverSent() async throws {
        let vault = try await TestHome().open()
        let id = try await vault.add(
            kind: "google", name: "G", input: ConnectionInput(text: ["clientID": "c", "clientSecret": "s"])
        ).id
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "at"))
        let transport = RecordingTransport(json: "{}")
        let authorizer = TestAuthorizer(broker: TokenBroker(vault: vault, transport: transport))
        var good = HTTPTransportRequest(method: "GET", url: "https://gmail.googleapis.com/gmail/v1/users/me/messages")
        try await authorizer.authorize(&good, connection: id)
        #expect(good.header("Authorization") == "Bearer at")
        for url in ["https://evil.example/steal", "https://googleapis.com.evil.example/", "https://googleapis.com/"] {
            var bad = HTTPTransportRequest(method: "GET", url: url)
            await #expect(throws: AuthorizeError.self) { try await authorizer.authorize(&bad, connection: id) }
            #expect(bad.header("Authorization") == nil)
        }
        #expect(transport.requests.isEmpty)
    }
}
