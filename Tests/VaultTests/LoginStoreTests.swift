import Foundation
import Testing
import Vault

/// The SQLite `LoginStore`: Add New targets survive a second store on the same file (another
/// process or a restart) and belong to their team.
struct LoginStoreTests {
    @Test func anAddNewTargetIsTakenOnceByItsTeamFromAnotherStoreOnTheFile() async throws {
        let home = try TestHome()
        let writer = try await home.open().store
        let reader = try await home.open().store
        try await writer.putAddNewTarget(
            StoredAddNewTarget(
                connectionID: "kc_1", team: "a", agent: "crm", component: "C1",
                changedBy: "alice", createdAt: Date().timeIntervalSince1970))
        #expect(try await reader.takeAddNewTarget(connectionID: "kc_1", team: "b") == nil)
        let taken = try await reader.takeAddNewTarget(connectionID: "kc_1", team: "a")
        #expect(taken?.agent == "crm" && taken?.component == "C1" && taken?.changedBy == "alice")
        #expect(try await writer.takeAddNewTarget(connectionID: "kc_1", team: "a") == nil)
    }

    @Test func expiredLoginsArePurgedAndALoginIsTakenOnce() async throws {
        let store = try await TestHome().open().store
        let now = Date().timeIntervalSince1970
        for (key, expiresAt) in [("old", now - 1), ("new", now + 600)] {
            try await store.insertLogin(
                StoredLogin(
                    keyHash: key, team: "a", connectionID: "kc_1", connectionVersion: 1, binding: "listener",
                    flow: Data([1, 2, 3]), startedAt: now - 10, expiresAt: expiresAt))
        }
        #expect(try await store.purgeLogins(expiredBefore: now) == 1)
        #expect(try await store.login(keyHash: "old") == nil)
        let teamA = try await store.hasLogins(team: "a")
        let teamB = try await store.hasLogins(team: "b")
        #expect(teamA && !teamB)
        async let first = store.takeLogin(keyHash: "new")
        async let second = store.takeLogin(keyHash: "new")
        let taken = try await [first, second].compactMap { $0 }
        #expect(taken.count == 1 && taken.first?.flow == Data([1, 2, 3]))
    }
}
