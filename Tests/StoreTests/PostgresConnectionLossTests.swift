import Foundation
import PostgresNIO
import PostgresStore
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
