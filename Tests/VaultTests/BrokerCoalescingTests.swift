import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// Within one process, callers of an expired connection wait on the broker, not on the
/// store: however many ask at once, the row is read a handful of times and the provider is
/// asked once (on PostgreSQL, each read would take a pool connection).
struct BrokerCoalescingTests {
    @Test func twoHundredCallersReadTheRowAFewTimesAndRefreshOnce() async throws {
        let refreshes = LockedCounter()
        let provider = try TinyHTTPServer { target in
            guard target.hasPrefix("/token") else { return .response(status: 404, contentType: "text/plain", body: "") }
            let n = refreshes.next()
            Thread.sleep(forTimeInterval: 0.05)
            return .response(
                status: 200, contentType: "application/json",
                body: #"{"access_token":"at-\#(n)","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-\#(n)"}"#
            )
        }
        defer { provider.stop() }
        let home = KeyflowHome(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-coalesce-\(UUID())"))
        let store = InstrumentedStore(try SQLiteVaultStore(path: home.vaultPath))
        let vault = try await Vault.open(home: home, store: store).vault
        let id = try await ProviderConnection.addExpired(
            to: vault, baseURL: provider.baseURL, accessToken: "at-0", refreshToken: "rt-0")
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let broker = TokenBroker(vault: vault, transport: transport)

        let before = store.fetches
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 { group.addTask { try await broker.credential(for: id).accessToken } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(tokens.count == 1 && refreshes.count == 1)
        let reads = store.fetches - before
        #expect(reads <= 5, "200 callers read the connection row \(reads) times")
    }
}
