import Foundation
import OAuthCore
import PostgresStore
import TestSupport
import Testing
import Vault

/// A node killed at random points of a refresh, on PostgreSQL: the database drops the dead
/// node's transaction and row lock, and the connection either holds tokens that work or says
/// plainly that it needs a new login (when the kill fell after the provider rotated the
/// refresh token and before the new one was committed). Never a silently broken token.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct PostgresRefreshCrashTests {
    @Test func killingANodeMidRefreshNeverLeavesTheConnectionSilentlyBroken() async throws {
        // The peer answers refreshes 60 ms after rotating, which widens the dangerous window.
        let peer = try PeerServer(script: "authlib_server.py", arguments: ["--token-delay-ms", "60"])
        let transport = AsyncHTTPTransport()
        defer {
            peer.stop()
            Task { try? await transport.shutdown() }
        }
        let setup = try await StoreKind.postgres.make()
        let vault = try await setup.vault()
        let id = try await SharedVaultPeerTests.addPeerConnection(vault, peer: peer)
        let flows = AuthorizationFlows(
            vault: vault, transport: transport, callbacks: CallbackURLs(base: "http://127.0.0.1:8787"))
        _ = try await login(flows, id, transport: transport)
        let environment = [
            "KEYFLOW_HOME": setup.home.directory.path, "KEYFLOW_DATABASE_URL": setup.databaseText,
        ]
        let seed =
            ProcessInfo.processInfo.environment["KEYFLOW_PROPERTY_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        var outcomes: [String: Int] = [:]
        for round in 0..<30 {
            var tokens = try #require(try await vault.tokens(of: id))
            tokens.expiresAt = Date().timeIntervalSince1970 - 1
            try await vault.storeTokens(id, tokens)
            let process = try KeyflowCLI.start(
                ["vault", "test", id, "--url", peer.baseURL + "/api/me"], environment: environment)
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...300, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try await Task.sleep(for: .milliseconds(2)) }

            let broker = TokenBroker(vault: vault, transport: transport)
            do {
                let credential = try await broker.credential(for: id)
                let me = try await transport.send(
                    HTTPTransportRequest(
                        method: "GET", url: peer.baseURL + "/api/me",
                        headers: [("Authorization", "Bearer \(credential.accessToken)")]), timeout: .seconds(10))
                #expect(me.status == 200, "round \(round): a credential that does not work (seed \(seed))")
                outcomes["works", default: 0] += 1
            } catch BrokerError.needsReauth(_, let reason) {
                #expect(reason.contains("invalid_grant"), "round \(round): \(reason)")
                #expect(try await vault.connection(id).status == .needsReauth)
                outcomes["needs-reauth", default: 0] += 1
                _ = try await login(flows, id, transport: transport)
            }
        }
        print(
            "PostgresRefreshCrashTests (seed \(seed)): \(outcomes["works"] ?? 0) rounds kept working tokens, "
                + "\(outcomes["needs-reauth"] ?? 0) reported needs-reauth plainly, of 30")
        #expect((outcomes["works"] ?? 0) + (outcomes["needs-reauth"] ?? 0) == 30)
    }
}
