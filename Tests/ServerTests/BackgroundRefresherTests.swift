import Foundation
import OAuthCore
import Server
import TestSupport
import Testing
import Vault

/// The background refresher against Authlib (refresh rotation on): a token about to expire is
/// refreshed before any run asks for it, and a connection left idle is refreshed at the
/// interval, both through the team's broker.
@Suite(.serialized) struct BackgroundRefresherTests {
    struct Setup {
        let peer: PeerServer
        let vault: Vault
        let transport: AsyncHTTPTransport
        let brokers: TeamBrokers
        let id: String

        init() async throws {
            peer = try PeerServer(script: "authlib_server.py")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "keyflow-refresher-\(UUID().uuidString)")
            vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
            transport = AsyncHTTPTransport()
            brokers = TeamBrokers(transport: transport)
            id = try await vault.add(
                kind: "custom-oauth2", name: "Peer",
                input: ConnectionInput(
                    text: [
                        "clientID": "confidential-basic", "clientSecret": "secret-basic",
                        "authorizationURL": peer.baseURL + "/authorize", "tokenURL": peer.baseURL + "/token",
                    ], scopes: ["read"])
            ).id
            _ = try await login(
                AuthorizationFlows(
                    vault: vault, transport: transport, callbacks: CallbackURLs(base: "http://127.0.0.1:8787")), id,
                transport: transport)
        }

        func refreshCount() async throws -> Int {
            let response = try await transport.send(
                HTTPTransportRequest(method: "GET", url: peer.baseURL + "/stats"), timeout: .seconds(10))
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            return (json?["token_requests"] as? [String: Int])?["refresh_token"] ?? -1
        }

        func works(_ accessToken: String) async throws -> Bool {
            let response = try await transport.send(
                HTTPTransportRequest(
                    method: "GET", url: peer.baseURL + "/api/me", headers: [("Authorization", "Bearer \(accessToken)")]),
                timeout: .seconds(10))
            return response.status == 200
        }

        func close() async {
            peer.stop()
            try? await transport.shutdown()
        }
    }

    @Test func aTokenNearExpiryIsRefreshedAheadWithoutAnyRun() async throws {
        let setup = try await Setup()
        var tokens = try #require(try await setup.vault.tokens(of: setup.id))
        tokens.expiresAt = Date().timeIntervalSince1970 + 120  // valid for two more minutes
        try await setup.vault.storeTokens(setup.id, tokens)
        let refresher = BackgroundRefresher(
            root: setup.vault, brokers: setup.brokers, configuration: BackgroundRefreshConfiguration(ahead: 300))
        #expect(await refresher.runOnce() == [setup.id: .refreshed])
        let fresh = try #require(try await setup.vault.tokens(of: setup.id))
        #expect(fresh.accessToken != tokens.accessToken && fresh.refreshToken != tokens.refreshToken)
        #expect((fresh.expiresAt ?? 0) > Date().timeIntervalSince1970 + 3000)
        #expect(try await setup.works(fresh.accessToken))
        #expect(try await setup.refreshCount() == 1)
        #expect(try await setup.vault.health()[setup.id]?.lastRefreshAt != nil)
        // An hour left now: nothing to do, on this node or a fresh one.
        #expect(await refresher.runOnce().isEmpty)
        let other = BackgroundRefresher(
            root: setup.vault, brokers: TeamBrokers(transport: setup.transport),
            configuration: BackgroundRefreshConfiguration(ahead: 300))
        #expect(await other.runOnce().isEmpty)
        #expect(try await setup.refreshCount() == 1)
        // The broker that runs use hands out the refreshed token without refreshing again.
        #expect(
            try await setup.brokers.broker(for: setup.vault).credential(for: setup.id).accessToken == fresh.accessToken)
        await setup.close()
    }

    @Test func anIdleConnectionIsRefreshedAtTheIntervalAndNotBefore() async throws {
        let setup = try await Setup()
        let before = try #require(try await setup.vault.tokens(of: setup.id))
        let start = Date()
        let configuration = BackgroundRefreshConfiguration(idleEvery: 7 * 86400)
        // Six days later: not idle long enough.
        let early = BackgroundRefresher(
            root: setup.vault, brokers: setup.brokers, configuration: configuration,
            clock: { start.addingTimeInterval(6 * 86400) })
        #expect(await early.runOnce().isEmpty)
        // Eight days later: refreshed, although the access token is valid (an hour, by the
        // real clock) and no run asked.
        let late = BackgroundRefresher(
            root: setup.vault, brokers: setup.brokers, configuration: configuration,
            clock: { start.addingTimeInterval(8 * 86400) })
        #expect(await late.runOnce() == [setup.id: .refreshed])
        let after = try #require(try await setup.vault.tokens(of: setup.id))
        #expect(after.refreshToken != before.refreshToken)
        #expect(try await setup.works(after.accessToken))
        #expect(try await setup.refreshCount() == 1)
        // Refreshed then: the next one is due seven days after that, not at the next pass.
        let next = BackgroundRefresher(
            root: setup.vault, brokers: setup.brokers, configuration: configuration,
            clock: { start.addingTimeInterval(8 * 86400 + 3600) })
        #expect(await next.runOnce().isEmpty)
        let week = BackgroundRefresher(
            root: setup.vault, brokers: setup.brokers, configuration: configuration,
            clock: { start.addingTimeInterval(15 * 86400 + 60) })
        #expect(await week.runOnce() == [setup.id: .refreshed])
        #expect(try await setup.refreshCount() == 2)
        await setup.close()
    }
}
