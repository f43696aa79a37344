import Foundation
import GRDB
import OAuthCore
import TestSupport
import Testing
import Vault

/// SIGKILL at random points of a refresh, 50 times. The vault must always open and pass
/// SQLite's integrity check, and the connection must either hold tokens that work or say
/// plainly that it needs a new login: the latter happens when the kill fell after the
/// provider rotated the refresh token and before the new one was stored.
@Suite(.serialized) struct RefreshCrashTests {
    @Test func killingAProcessMidRefreshNeverLeavesTheConnectionSilentlyBroken() async throws {
        // The peer answers refreshes 60 ms after rotating, which widens the dangerous window.
        let setup = try await TokenBrokerTests.Setup(peerArguments: ["--token-delay-ms", "60"])
        let seed =
            ProcessInfo.processInfo.environment["KEYFLOW_PROPERTY_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...UInt64.max)
        var generator = SeededGenerator(seed: seed)
        var outcomes: [String: Int] = [:]
        for round in 0..<50 {
            try await setup.expireTokens()
            let process = try KeyflowCLI.start(
                ["vault", "test", setup.id, "--url", setup.peer.baseURL + "/api/me"],
                environment: setup.home.environment)
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...250, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try await Task.sleep(for: .milliseconds(2)) }

            let integrity = try await DatabaseQueue(path: setup.home.home.vaultPath.path).read {
                try String.fetchOne($0, sql: "PRAGMA integrity_check")
            }
            #expect(integrity == "ok", "round \(round): the vault is corrupt (seed \(seed))")
            let vault = try await setup.home.open()
            let broker = TokenBroker(vault: vault, transport: setup.transport)
            do {
                let credential = try await broker.credential(for: setup.id)
                #expect(
                    try await setup.works(credential), "round \(round): a credential that does not work (seed \(seed))")
                outcomes["works", default: 0] += 1
            } catch BrokerError.needsReauth(_, let reason) {
                #expect(reason.contains("invalid_grant"), "round \(round): \(reason)")
                #expect(try await vault.connection(setup.id).status == .needsReauth)
                outcomes["needs-reauth", default: 0] += 1
                _ = try await login(
                    AuthorizationFlows(vault: vault, transport: setup.transport, callbacks: TestHome.callbacks),
                    setup.id, transport: setup.transport)
            }
        }
        print(
            "RefreshCrashTests (seed \(seed)): \(outcomes["works"] ?? 0) rounds kept working tokens, "
                + "\(outcomes["needs-reauth"] ?? 0) reported needs-reauth plainly, of 50")
        #expect((outcomes["works"] ?? 0) + (outcomes["needs-reauth"] ?? 0) == 50)
        await setup.close()
    }
}
