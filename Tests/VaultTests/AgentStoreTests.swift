import Foundation
import GRDB
import Testing
import Vault

/// The agents of `keyflow serve` in the SQLite store: revisions, compare-and-swap saves,
/// restore, delete, and teams that never see each other's agents.
struct AgentStoreTests {
    static func store() throws -> (SQLiteVaultStore, TestHome) {
        let home = try TestHome()
        return (try SQLiteVaultStore(path: home.home.vaultPath), home)
    }

    static func body(_ text: String) -> Data { Data(text.utf8) }

    @Test func savesAreRevisionsWithCompareAndSwapAndRestoreAddsARevision() async throws {
        let (store, home) = try Self.store()
        _ = home
        let first = try #require(
            try await store.saveAgent(
                team: "a", name: "digest", body: Self.body("one"), changedBy: "alice",
                changedAt: 100, expectedVersion: nil))
        #expect(first.version == 1 && first.changedBy == "alice")
        // A second insert of the same name never overwrites.
        #expect(
            try await store.saveAgent(
                team: "a", name: "digest", body: Self.body("other"), changedBy: "bob", changedAt: 101,
                expectedVersion: nil) == nil)
        let second = try #require(
            try await store.saveAgent(
                team: "a", name: "digest", body: Self.body("two"), changedBy: "carol",
                changedAt: 102, expectedVersion: 1))
        #expect(second.version == 2)
        // A save based on a stale version writes nothing.
        #expect(
            try await store.saveAgent(
                team: "a", name: "digest", body: Self.body("stale"), changedBy: "bob", changedAt: 103,
                expectedVersion: 1) == nil)
        #expect(
            try await store.saveAgent(
                team: "a", name: "digest", body: Self.body("huge"), changedBy: "bob", changedAt: 103,
                expectedVersion: Int64.max) == nil)
        #expect(try await store.agent(team: "a", name: "digest") == second)
        #expect(try await store.agentRevisions(team: "a", name: "digest").map(\.version) == [2, 1])
        #expect(try await store.agentRevision(team: "a", name: "digest", version: 1) == first)

        let restored = try #require(
            try await store.restoreAgentRevision(
                team: "a", name: "digest", version: 1, changedBy: "dave", changedAt: 104))
        #expect(restored.version == 3 && restored.body == Self.body("one") && restored.changedBy == "dave")
        #expect(try await store.agent(team: "a", name: "digest") == restored)
        #expect(
            try await store.agentRevisions(team: "a", name: "digest") == [
                AgentRevision(version: 3, changedBy: "dave", changedAt: 104),
                AgentRevision(version: 2, changedBy: "carol", changedAt: 102),
                AgentRevision(version: 1, changedBy: "alice", changedAt: 100),
            ])
        #expect(
            try await store.restoreAgentRevision(
                team: "a", name: "digest", version: 9, changedBy: "dave", changedAt: 105) == nil)
        #expect(
            try await store.restoreAgentRevision(team: "a", name: "nope", version: 1, changedBy: "dave", changedAt: 105)
                == nil)

        #expect(try await store.deleteAgent(team: "a", name: "digest"))
        #expect(try await store.agent(team: "a", name: "digest") == nil)
        #expect(try await store.agentRevisions(team: "a", name: "digest").isEmpty)
        #expect(try await store.deleteAgent(team: "a", name: "digest") == false)
        // A name deleted and added again starts over at version 1.
        #expect(
            try await store.saveAgent(
                team: "a", name: "digest", body: Self.body("new"), changedBy: "alice", changedAt: 106,
                expectedVersion: nil)?.version == 1)
    }

    @Test func anotherTeamSeesAndChangesNothing() async throws {
        let (store, home) = try Self.store()
        _ = home
        let saved = try #require(
            try await store.saveAgent(
                team: "a", name: "digest", body: Self.body("A's"), changedBy: "alice",
                changedAt: 100, expectedVersion: nil))
        #expect(try await store.agentNames(team: "b").isEmpty)
        #expect(try await store.agent(team: "b", name: "digest") == nil)
        #expect(try await store.agentRevisions(team: "b", name: "digest").isEmpty)
        #expect(try await store.agentRevision(team: "b", name: "digest", version: 1) == nil)
        #expect(
            try await store.saveAgent(
                team: "b", name: "digest", body: Self.body("B's"), changedBy: "bob", changedAt: 101,
                expectedVersion: 1) == nil)
        #expect(
            try await store.restoreAgentRevision(
                team: "b", name: "digest", version: 1, changedBy: "bob", changedAt: 102) == nil)
        #expect(try await store.deleteAgent(team: "b", name: "digest") == false)
        // The same name in team b is b's own agent.
        #expect(
            try await store.saveAgent(
                team: "b", name: "digest", body: Self.body("B's"), changedBy: "bob", changedAt: 103,
                expectedVersion: nil)?.version == 1)
        #expect(try await store.agent(team: "a", name: "digest") == saved)
        #expect(try await store.agentNames(team: "a") == ["digest"])
    }

    @Test func concurrentSavesOfOneVersionLetExactlyOneWin() async throws {
        let (store, home) = try Self.store()
        _ = home
        _ = try await store.saveAgent(
            team: "a", name: "digest", body: Self.body("v1"), changedBy: "alice", changedAt: 100, expectedVersion: nil)
        let winners = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    (try? await store.saveAgent(
                        team: "a", name: "digest", body: Self.body("writer \(index)"), changedBy: "w\(index)",
                        changedAt: 101, expectedVersion: 1)) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
        #expect(try await store.agentRevisions(team: "a", name: "digest").count == 2)
    }

    /// Another store (PostgreSQL) and another migration ("v4: web sessions") come after this
    /// one; its name is what existing vault files record.
    @Test func theMigrationIsNamedV3Agents() throws {
        let home = try TestHome()
        _ = try SQLiteVaultStore(path: home.home.vaultPath)
        let queue = try DatabaseQueue(path: home.home.vaultPath.path)
        let applied = try queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.contains("v3: agents"))
    }
}
