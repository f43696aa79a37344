import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// The broker against Authlib with refresh rotation on and short token lifetimes.
@Suite(.serialized) struct TokenBrokerTests {
    /// A connection to the peer, logged in, with its tokens marked expired so the next
    /// `credential(for:)` must refresh.
    struct Setup {
        let peer: PeerServer
        let home: TestHome
        let vault: Vault
        let transport: AsyncHTTPTransport
        let id: String

        init(peerArguments: [String] = []) async throws {
            peer = try PeerServer(script: "authlib_server.py", arguments: peerArguments)
            home = try TestHome()
            vault = try await home.open()
            transport = AsyncHTTPTransport()
            id = try await addPeerConnection(vault, peer: peer, scopes: ["read"])
            _ = try await login(
                AuthorizationFlows(vault: vault, transport: transport, callbacks: TestHome.callbacks), id,
                transport: transport)
        }

        func expireTokens() async throws {
            var tokens = try #require(try await vault.tokens(of: id))
            tokens.expiresAt = Date().timeIntervalSince1970 - 1
            try await vault.storeTokens(id, tokens)
        }

        func refreshCount() async throws -> Int {
            let response = try await transport.send(
                HTTPTransportRequest(method: "GET", url: peer.baseURL + "/stats"), timeout: .seconds(10))
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            return (json?["token_requests"] as? [String: Int])?["refresh_token"] ?? -1
        }

        func works(_ credential: Credential) async throws -> Bool {
            guard case .bearer(let authorization, _) = credential else { return false }
            let response = try await transport.send(
                HTTPTransportRequest(
                    method: "GET", url: peer.baseURL + "/api/me",
                    headers: [("Authorization", authorization)]), timeout: .seconds(10))
            return response.status == 200
        }

        func close() async {
            peer.stop()
            try? await transport.shutdown()
        }
    }

    @Test func aTokenNearExpiryIsRefreshedAndTheRotatedRefreshTokenStoredFirst() async throws {
        let setup = try await Setup()
        let before = try #require(try await setup.vault.tokens(of: setup.id))
        // Valid for an hour: used as is, no refresh.
        let broker = TokenBroker(vault: setup.vault, transport: setup.transport)
        #expect(try await broker.credential(for: setup.id).accessToken == before.accessToken)
        #expect(try await setup.refreshCount() == 0)

        try await setup.expireTokens()
        let fresh = try await broker.credential(for: setup.id)
        #expect(fresh.accessToken != before.accessToken)
        let stored = try #require(try await setup.vault.tokens(of: setup.id))
        #expect(stored.accessToken == fresh.accessToken)
        #expect(stored.refreshToken != nil && stored.refreshToken != before.refreshToken)
        #expect(try await setup.works(fresh))
        #expect(try await setup.refreshCount() == 1)
        await setup.close()
    }

    @Test func aReusedRotatedRefreshTokenLeadsToNeedsReauthWithoutARetryStorm() async throws {
        let setup = try await Setup()
        let old = try #require(try await setup.vault.tokens(of: setup.id))
        try await setup.expireTokens()
        let broker = TokenBroker(vault: setup.vault, transport: setup.transport)
        _ = try await broker.credential(for: setup.id)
        // Put the rotated-out refresh token back, as a restored backup would.
        var stale = old
        stale.expiresAt = Date().timeIntervalSince1970 - 1
        try await setup.vault.storeTokens(setup.id, stale)
        let error = await #expect(throws: BrokerError.self) { try await broker.credential(for: setup.id) }
        guard case .needsReauth(_, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("invalid_grant"))
        let connection = try await setup.vault.connection(setup.id)
        #expect(connection.status == .needsReauth && connection.statusReason?.contains("invalid_grant") == true)
        // Later calls fail fast, without asking the provider again.
        for _ in 0..<5 { await #expect(throws: BrokerError.self) { try await broker.credential(for: setup.id) } }
        #expect(try await setup.refreshCount() == 2)
        #expect(await broker.providerRequests == 2)
        await setup.close()
    }

    @Test func twoHundredConcurrentCallersShareOneRefresh() async throws {
        let setup = try await Setup()
        try await setup.expireTokens()
        let broker = TokenBroker(vault: setup.vault, transport: setup.transport)
        let credentials = try await withThrowingTaskGroup(of: Credential.self) { group in
            for _ in 0..<200 { group.addTask { try await broker.credential(for: setup.id) } }
            return try await group.reduce(into: [Credential]()) { $0.append($1) }
        }
        #expect(credentials.count == 200)
        #expect(try await setup.refreshCount() == 1)
        let tokens = Set(credentials.map(\.accessToken))
        #expect(tokens.count == 1)
        for credential in credentials.prefix(1) { #expect(try await setup.works(credential)) }
        await setup.close()
    }

    @Test func twoProcessesSharingOneVaultMakeOneRefresh() async throws {
        let setup = try await Setup()
        try await setup.expireTokens()
        // Two `keyflow vault test` processes, 100 concurrent authorized requests each.
        let arguments = [
            "vault", "test", setup.id, "--url", setup.peer.baseURL + "/api/me", "--count", "100", "--concurrency",
            "100",
        ]
        async let first = Task.detached { try KeyflowCLI.run(arguments, environment: setup.home.environment) }.value
        async let second = Task.detached { try KeyflowCLI.run(arguments, environment: setup.home.environment) }.value
        let results = try await [first, second]
        for result in results {
            #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stdout.contains("HTTP 200 × 100"))
        }
        #expect(try await setup.refreshCount() == 1)
        await setup.close()
    }

    @Test func a401ForcesOneRefreshAndOnlyOne() async throws {
        let setup = try await Setup()
        let broker = TokenBroker(vault: setup.vault, transport: setup.transport)
        let current = try await broker.credential(for: setup.id)
        // The provider revoked the access token behind our back; the API answers 401.
        try await OAuth2Client(
            configuration: OAuth2Configuration(
                clientID: "confidential-basic", clientSecret: "secret-basic",
                tokenURL: setup.peer.baseURL + "/token",
                revocationURL: setup.peer.baseURL + "/revoke"),
            transport: setup.transport
        ).revoke(current.accessToken, hint: .accessToken)
        #expect(try await !setup.works(current))
        let retried = try await withThrowingTaskGroup(of: Credential.self) { group in
            for _ in 0..<20 { group.addTask { try await broker.credential(for: setup.id, rejected: current) } }
            return try await group.reduce(into: [Credential]()) { $0.append($1) }
        }
        #expect(Set(retried.map(\.accessToken)).count == 1)
        #expect(try await setup.works(retried[0]))
        #expect(try await setup.refreshCount() == 1)
        await setup.close()
    }
}

/// The broker's handling of provider failures, with a scripted transport.
struct TokenBrokerFailureTests {
    static func connection(_ vault: Vault, kind: String = "custom-oauth2") async throws -> String {
        let input =
            kind == "client-credentials"
            ? ConnectionInput(text: ["clientID": "c", "clientSecret": "s", "tokenURL": "https://auth.example/token"])
            : ConnectionInput(text: [
                "clientID": "c", "clientSecret": "s", "authorizationURL": "https://auth.example/a",
                "tokenURL": "https://auth.example/token",
            ])
        let id = try await vault.add(kind: kind, name: "A", input: input).id
        try await vault.storeTokens(
            id,
            ConnectionTokens(
                accessToken: "old", refreshToken: kind == "client-credentials" ? nil : "rt",
                expiresAt: Date().timeIntervalSince1970 - 5))
        return id
    }

    static var fastPolicy: TokenBroker.Policy {
        var policy = TokenBroker.Policy()
        policy.backoff = .milliseconds(1)
        return policy
    }

    @Test func transientFailuresAreRetriedWithBackoffAndKeepTheConnectionReady() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.connection(vault)
        let transport = RecordingTransport(status: 503, json: "<html>down</html>", contentType: "text/html")
        let broker = TokenBroker(vault: vault, transport: transport, policy: Self.fastPolicy)
        let error = await #expect(throws: BrokerError.self) { try await broker.credential(for: id) }
        guard case .transient = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(transport.requests.count == 3)
        let connection = try await vault.connection(id)
        #expect(connection.status == .ready)
        #expect(try await vault.tokens(of: id)?.refreshToken == "rt")
    }

    @Test func aTransientFailureThenSuccessRefreshes() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.connection(vault)
        let calls = LockedCounter()
        let transport = RecordingTransport { _ in
            calls.next() == 1
                ? HTTPTransportResponse(
                    status: 500, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"error":"server_error"}"#.utf8))
                : HTTPTransportResponse(
                    status: 200, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"access_token":"new","expires_in":3600}"#.utf8))
        }
        let credential = try await TokenBroker(vault: vault, transport: transport, policy: Self.fastPolicy).credential(
            for: id)
        #expect(credential.accessToken == "new")
        #expect(try await vault.tokens(of: id)?.refreshToken == "rt")  // not rotated: the old one is kept
    }

    @Test func clientCredentialsFetchANewTokenInsteadOfRefreshing() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.connection(vault, kind: "client-credentials")
        let transport = RecordingTransport(json: #"{"access_token":"cc-2","expires_in":600}"#)
        let credential = try await TokenBroker(vault: vault, transport: transport).credential(for: id)
        #expect(credential.accessToken == "cc-2")
        #expect(transport.requests.first?.form["grant_type"] == "client_credentials")
    }

    @Test func anExpiredTokenWithoutARefreshTokenNeedsReauth() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.connection(vault)
        var tokens = try #require(try await vault.tokens(of: id))
        tokens.refreshToken = nil
        try await vault.storeTokens(id, tokens)
        let transport = RecordingTransport(json: "{}")
        await #expect(throws: BrokerError.self) {
            try await TokenBroker(vault: vault, transport: transport).credential(for: id)
        }
        #expect(try await vault.connection(id).status == .needsReauth)
        #expect(transport.requests.isEmpty)
    }

    @Test func aTokenOfUnknownExpiryIsUsedUntilRejected() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.connection(vault)
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "forever?", refreshToken: "rt", expiresAt: nil))
        let transport = RecordingTransport(json: #"{"access_token":"new"}"#)
        let broker = TokenBroker(vault: vault, transport: transport)
        let credential = try await broker.credential(for: id)
        #expect(credential.accessToken == "forever?" && transport.requests.isEmpty)
        #expect(try await broker.credential(for: id, rejected: credential).accessToken == "new")
    }
}
