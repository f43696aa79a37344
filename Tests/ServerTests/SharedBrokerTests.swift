import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Runtime
import Server
import TestSupport
import Testing
import Vault

/// `keyflow serve` keeps one token broker per team for the life of the process: every run of
/// the team shares its credential cache and its single refresh, and no team gets another's.
struct SharedBrokerTests {
    static let agent = #"""
        {"components": [
          {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
          {"id": "C", "name": "APICall", "data": {"method": "GET", "url": "https://api.example.com/v1/me", "oauth_con_id": "ID"},
           "inputs": [{"name": "trigger", "index": 0, "optional": true}], "outputs": [{"name": "Response", "index": 0, "default": true}]},
          {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "r", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
         "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "C", "targetIndex": 0},
                         {"sourceId": "C", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}]}
        """#

    @Test func everyRunOfATeamUsesTheTeamsBrokerAndTheExpiredTokenIsRefreshedOnce() async throws {
        let refreshes = LockedCounter()
        let transport = RecordingTransport { request in
            if request.url == "https://api.example.com/token" {
                let n = refreshes.next()
                return HTTPTransportResponse(
                    status: 200, headers: [("Content-Type", "application/json")],
                    body: Array(
                        #"{"access_token":"fresh-\#(n)","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-\#(n)"}"#
                            .utf8))
            }
            let fresh = request.header("Authorization")?.hasPrefix("Bearer fresh-") == true
            return HTTPTransportResponse(
                status: fresh ? 200 : 401, headers: [("Content-Type", "application/json")],
                body: Array(#"{"ok":true}"#.utf8))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-brokers-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let id = try await vault.add(
            kind: "custom-oauth2", name: "API",
            input: ConnectionInput(text: [
                "clientID": "c", "clientSecret": "s", "authorizationURL": "https://api.example.com/authorize",
                "tokenURL": "https://api.example.com/token",
            ])
        ).id
        try await vault.storeTokens(
            id,
            ConnectionTokens(accessToken: "expired", refreshToken: "rt-0", expiresAt: Date().timeIntervalSince1970 - 10)
        )
        let brokers = TeamBrokers(transport: transport)
        var limits = RunLimits.defaults
        limits.maxConcurrentRunsPerTeam = 20
        // All 20 at once: the in-process worker takes 20, and the team may have 20 running.
        let node = try KeyflowServer.node(
            vault: vault, accounts: try vault.accounts, flows: FlowsRegistry(transport: transport, publicURL: .default),
            binding: .init(host: "localhost", port: 80), runLimits: limits,
            worker: RunWorkerConfiguration(concurrency: 20), brokers: brokers)
        try await Application(router: node.router, services: node.services).test(.router) { client in
            let put = try await client.execute(
                uri: "/api/v1/agents/me", method: .put, headers: ConnectionsAPITests.json,
                body: ByteBuffer(string: Self.agent.replacingOccurrences(of: "\"ID\"", with: "\"\(id)\"")))
            #expect(put.status == .created)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await client.execute(
                            uri: "/api/v1/agents/me/run", method: .post, headers: ConnectionsAPITests.json,
                            body: ByteBuffer(string: "{}")
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
        }
        #expect(refreshes.count == 1)
        // The refresh was the team's broker's: runs did not make brokers of their own.
        #expect(await brokers.broker(for: vault).providerRequests == 1)
        #expect(brokers.broker(for: vault) === brokers.broker(for: vault.forTeam(Vault.localTeam)))
        let other = brokers.broker(for: vault.forTeam("other"))
        #expect(other !== brokers.broker(for: vault) && other.vault.team == "other")
    }
}
