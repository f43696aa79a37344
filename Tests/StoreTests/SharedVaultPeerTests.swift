import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// Two nodes on one store, against the Authlib peer (refresh tokens rotate): callers on both
/// share one refresh, and a login started on one node is finished by the other.
@Suite(.serialized) struct SharedVaultPeerTests {
    /// One node: its own store instance (its own pool or file handle), vault and broker.
    struct Node {
        let vault: Vault
        let broker: TokenBroker
        let flows: AuthorizationFlows
    }

    static func nodes(_ setup: TestStore, transport: AsyncHTTPTransport) async throws -> (Node, Node) {
        var made: [Node] = []
        for store in [setup.store, try await setup.secondNode()] {
            let vault = try await Vault.open(home: setup.home, team: "acme", store: store).vault
            made.append(
                Node(
                    vault: vault, broker: TokenBroker(vault: vault, transport: transport),
                    flows: AuthorizationFlows(
                        vault: vault, transport: transport, callbacks: CallbackURLs(base: "http://127.0.0.1:8787"))))
        }
        return (made[0], made[1])
    }

    static func addPeerConnection(_ vault: Vault, peer: PeerServer) async throws -> String {
        try await vault.add(
            kind: "custom-oauth2", name: "Peer",
            input: ConnectionInput(
                text: [
                    "clientID": "confidential-basic", "clientSecret": "secret-basic",
                    "authorizationURL": peer.baseURL + "/authorize", "tokenURL": peer.baseURL + "/token",
                ], scopes: ["read"])
        ).id
    }

    static func refreshCount(_ peer: PeerServer, transport: AsyncHTTPTransport) async throws -> Int {
        let response = try await transport.send(
            HTTPTransportRequest(method: "GET", url: peer.baseURL + "/stats"), timeout: .seconds(10))
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (json?["token_requests"] as? [String: Int])?["refresh_token"] ?? -1
    }

    @Test(arguments: StoreKind.available)
    func aLoginStartedOnOneNodeFinishesOnTheOtherAndTwoHundredCallersShareOneRefresh(kind: StoreKind)
        async throws
    {
        let peer = try PeerServer(script: "authlib_server.py")
        let transport = AsyncHTTPTransport()
        do {
            let setup = try await kind.make()
            let (nodeA, nodeB) = try await Self.nodes(setup, transport: transport)
            let id = try await Self.addPeerConnection(nodeA.vault, peer: peer)

            // Started on A; the provider's redirect lands on B, which finishes it from the stored row.
            let finished = try await login(nodeA.flows, id, transport: transport, finishingOn: nodeB.flows)
            #expect(finished.status == .ready)
            #expect(try await nodeA.vault.connection(id).status == .ready)

            // The token expires; 100 callers on each node ask at once.
            var tokens = try #require(try await nodeA.vault.tokens(of: id))
            let oldRefreshToken = tokens.refreshToken
            tokens.expiresAt = Date().timeIntervalSince1970 - 1
            try await nodeA.vault.storeTokens(id, tokens)
            let brokers = [nodeA.broker, nodeB.broker]
            let accessTokens = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<200 {
                    group.addTask { try await brokers[index % 2].credential(for: id).accessToken }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(accessTokens.count == 1)
            #expect(try await Self.refreshCount(peer, transport: transport) == 1)
            let stored = try #require(try await nodeB.vault.tokens(of: id))
            #expect(stored.accessToken == accessTokens.first)
            #expect(stored.refreshToken != nil && stored.refreshToken != oldRefreshToken)
        } catch {
            peer.stop()
            try? await transport.shutdown()
            throw error
        }
        peer.stop()
        try await transport.shutdown()
    }
}

/// OAuth 1.0a across nodes, against oauthlib's provider: the request token and its secret
/// (sealed) wait in the store, so the provider's callback finishes on the other node, and
/// the other node signs with the access token.
@Suite(.serialized) struct SharedOAuth1PeerTests {
    @Test(arguments: StoreKind.available)
    func anOAuth1LoginStartedOnOneNodeFinishesOnTheOther(kind: StoreKind) async throws {
        let peer = try PeerServer(script: "oauth1_provider.py")
        let transport = AsyncHTTPTransport()
        do {
            let setup = try await kind.make()
            let (nodeA, nodeB) = try await SharedVaultPeerTests.nodes(setup, transport: transport)
            let id = try await nodeA.vault.add(
                kind: "x-oauth1", name: "X",
                input: ConnectionInput(
                    text: [
                        "requestTokenURL": peer.baseURL + "/oauth/request_token",
                        "accessTokenURL": peer.baseURL + "/oauth/access_token",
                        "userAuthorizationURL": peer.baseURL + "/oauth/authorize",
                        "consumerKey": "consumer-key-1", "consumerSecret": "consumer-secret-1",
                    ], allowedHosts: [peer.baseURL])
            ).id
            let finished = try await login(nodeA.flows, id, transport: transport, finishingOn: nodeB.flows)
            #expect(finished.status == .ready)

            let credential = try await nodeB.broker.credential(for: id)
            guard case .oauth1(let credentials) = credential else {
                throw TestStoreError("not an OAuth 1.0a credential")
            }
            var request = HTTPTransportRequest(method: "GET", url: peer.baseURL + "/api/echo?q=1")
            request.headers.append(
                (
                    "Authorization",
                    try OAuth1Signer(credentials: credentials).sign(
                        OAuth1Request(method: "GET", url: request.url)
                    ).authorizationHeader()
                ))
            #expect(try await transport.send(request, timeout: .seconds(10)).status == 200)
        } catch {
            peer.stop()
            try? await transport.shutdown()
            throw error
        }
        peer.stop()
        try await transport.shutdown()
    }
}
