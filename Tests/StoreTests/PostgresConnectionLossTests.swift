import Foundation
import OAuthCore
import PostgresNIO
import PostgresStore
import TestSupport
import Testing
import Vault

/// PostgreSQL restarted under the store (a cluster of the test's own): a statement in flight
/// and a transaction waiting between statements (as a refresh waits for its provider) both
/// fail at once with a reason, and the pool reconnects for the next call. Before the store
/// stopped sending statements on closed connections, the second case hung for ever.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct PostgresConnectionLossTests {
    @Test func lostConnectionsFailAtOnceAndThePoolReconnects() async throws {
        let cluster = try DevPostgresCluster()
        defer { cluster.stop() }
        guard case .postgres(let url) = try DatabaseURL(parsing: cluster.databaseURL) else { return }
        let store = try await PostgresVaultStore.open(url)
        defer { store.close() }
        try await store.insert(StoreContractTests.connection("kc_1"))

        let inFlight = Task { try await store.execute("SELECT pg_sleep(5)") }
        try await Task.sleep(for: .milliseconds(300))
        try cluster.restart()
        let first = await inFlight.result
        guard case .failure(let error) = first else { Issue.record("the query survived a restart"); return }
        #expect("\(error)".contains("PostgreSQL"), "\(error)")
        #expect(try await store.version(id: "kc_1", team: "a") == 1)

        let waiting = Task {
            try await store.withLockedConnection(id: "kc_1", team: "a") { row in
                try? await Task.sleep(for: .seconds(2))
                var changed = row
                changed.name = "written after the restart"
                return (changed, true)
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let restartedAt = Date()
        try cluster.restart()
        let second = await waiting.result
        #expect(Date().timeIntervalSince(restartedAt) < 10)
        guard case .failure(let lost) = second else { Issue.record("the locked write survived a restart"); return }
        #expect("\(lost)".contains("lost"), "\(lost)")
        // Nothing was written, and the pool works again.
        #expect(try await store.fetch(id: "kc_1", team: "a")?.name == "CRM")
    }
}

/// The worst moment for a restart: the provider has rotated the refresh token and answered,
/// and the commit of the new tokens is lost with the connection. The broker keeps the new
/// tokens and saves them once PostgreSQL is back (another node, meanwhile, waits for the
/// row's mark instead of spending the old refresh token); the provider sees one refresh.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct LostRefreshCommitTests {
    @Test func newTokensWhoseCommitWasLostAreSavedWhenPostgresIsBack() async throws {
        let cluster = try DevPostgresCluster()
        defer { cluster.stop() }
        guard case .postgres(let url) = try DatabaseURL(parsing: cluster.databaseURL) else { return }
        let refreshes = LockedCounter()
        let provider = try TinyHTTPServer { target in
            guard target.hasPrefix("/token") else { return .response(status: 404, contentType: "text/plain", body: "") }
            _ = refreshes.next()
            try? cluster.restart()  // while the broker's transaction waits for this answer
            return .response(
                status: 200, contentType: "application/json",
                body: #"{"access_token":"at-2","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}"#)
        }
        defer { provider.stop() }

        let home = KeyflowHome(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-lost-commit-\(UUID())"))
        let store = try await PostgresVaultStore.open(url)
        defer { store.close() }
        let vault = try await Vault.open(home: home, team: "acme", store: store).vault
        let id = try await ProviderConnection.addExpired(
            to: vault, baseURL: provider.baseURL, accessToken: "at-1", refreshToken: "rt-1")

        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        var policy = TokenBroker.Policy()
        policy.attempts = 1
        let credential = try await TokenBroker(vault: vault, transport: transport, policy: policy).credential(for: id)
        #expect(credential.accessToken == "at-2")
        #expect(refreshes.count == 1)
        let stored = try #require(try await vault.tokens(of: id))
        #expect(stored.accessToken == "at-2" && stored.refreshToken == "rt-2")
        let row = try #require(try await store.fetch(id: id, team: "acme"))
        #expect(row.leaseOwner == nil && row.status == "ready")
    }
}
