import Accounts
import Foundation
import Testing
import Vault

/// The SQLite `AccountStore`, through the async protocol a PostgreSQL store will implement too.
struct AccountStoreTests {
    /// A fresh vault file and its store, seen only as an `AccountStore`.
    static func store() throws -> (any AccountStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-accounts-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("vault.sqlite")
        return (try SQLiteVaultStore(path: path), path)
    }

    static let ada = StoredUser(id: "ku_ada", name: "ada", team: "acme", tokenHash: "hash-ada", createdAt: 1)
    static let bob = StoredUser(id: "ku_bob", name: "bob", team: "acme", tokenHash: "hash-bob", createdAt: 2)
    static let cy = StoredUser(id: "ku_cy", name: "cy", team: "a-team", tokenHash: "hash-cy", createdAt: 3)

    @Test func usersRoundTrip() async throws {
        let (store, _) = try Self.store()
        #expect(try await store.users().isEmpty)
        for user in [Self.bob, Self.ada, Self.cy] { try await store.addUser(user) }
        #expect(try await store.users() == [Self.cy, Self.ada, Self.bob], "by team, then name")
        #expect(try await store.user(tokenHash: "hash-ada") == Self.ada)
        #expect(try await store.user(tokenHash: "hash-nobody") == nil)
        // A second user with the same token hash is refused, without the hash in the error.
        await #expect(throws: VaultError.self) {
            try await store.addUser(StoredUser(id: "ku_x", name: "x", team: "t", tokenHash: "hash-ada", createdAt: 4))
        }

        #expect(try await store.replaceUserToken(id: Self.ada.id, tokenHash: "hash-ada-2"))
        #expect(try await store.user(tokenHash: "hash-ada") == nil)
        #expect(try await store.user(tokenHash: "hash-ada-2")?.id == Self.ada.id)
        #expect(try await store.replaceUserToken(id: "ku_nobody", tokenHash: "hash") == false)

        #expect(try await store.deleteUser(id: Self.bob.id))
        #expect(try await store.deleteUser(id: Self.bob.id) == false)
        #expect(try await store.users().map(\.id) == [Self.cy.id, Self.ada.id])
    }

    @Test func sessionsRoundTripEndAndExpire() async throws {
        let (store, _) = try Self.store()
        let sessions = [
            StoredSession(idHash: "s1", userID: Self.ada.id, createdAt: 10, expiresAt: 100),
            StoredSession(idHash: "s2", userID: Self.ada.id, createdAt: 10, expiresAt: 200),
            StoredSession(idHash: "s3", userID: Self.bob.id, createdAt: 10, expiresAt: 50),
        ]
        for session in sessions { try await store.insertSession(session) }
        #expect(try await store.session(idHash: "s2") == sessions[1])
        #expect(try await store.session(idHash: "nope") == nil)

        #expect(try await store.purgeSessions(expiredBefore: 60) == 1)
        #expect(try await store.session(idHash: "s3") == nil)
        #expect(try await store.deleteSession(idHash: "s1"))
        #expect(try await store.deleteSession(idHash: "s1") == false)
        try await store.insertSession(StoredSession(idHash: "s4", userID: Self.ada.id, createdAt: 20, expiresAt: 300))
        #expect(try await store.deleteSessions(userID: Self.ada.id) == 2)
        #expect(try await store.session(idHash: "s2") == nil)
        #expect(try await store.session(idHash: "s4") == nil)
    }

    /// Users and sessions stay in the vault file's existing tables: a file written before
    /// they moved to this module, or by another process, opens with them.
    @Test func aReopenedVaultFileKeepsItsUsersAndSessions() async throws {
        let (store, path) = try Self.store()
        try await store.addUser(Self.ada)
        try await store.insertSession(StoredSession(idHash: "s1", userID: Self.ada.id, createdAt: 1, expiresAt: 2))
        let reopened: any AccountStore = try SQLiteVaultStore(path: path)
        #expect(try await reopened.users() == [Self.ada])
        #expect(try await reopened.session(idHash: "s1")?.userID == Self.ada.id)
    }

    /// `Users` on top of the store: the token is shown once and only its hash kept; rotating
    /// it or removing the user ends every session of theirs.
    @Test func rotatingATokenOrRemovingAUserEndsTheirSessions() async throws {
        let (store, _) = try Self.store()
        let (user, token) = try await Users.add(name: " ada ", team: "acme", store: store)
        #expect(user.name == "ada" && token.hasPrefix("kft_") && user.tokenHash != token)
        #expect(try await Users.authenticate(token: token, store: store) == user)
        try await store.insertSession(
            StoredSession(idHash: "s1", userID: user.id, createdAt: 1, expiresAt: .greatestFiniteMagnitude))
        let rotated = try await Users.rotateToken(of: user, store: store)
        #expect(try await Users.authenticate(token: token, store: store) == nil)
        #expect(try await Users.authenticate(token: rotated, store: store)?.id == user.id)
        #expect(try await store.session(idHash: "s1") == nil)

        try await store.insertSession(
            StoredSession(idHash: "s2", userID: user.id, createdAt: 1, expiresAt: .greatestFiniteMagnitude))
        try await Users.remove(try await Users.find("ada", store: store), store: store)
        #expect(try await store.session(idHash: "s2") == nil)
        await #expect(throws: VaultError.self) { try await Users.find("ada", store: store) }
        await #expect(throws: VaultError.self) { try await Users.add(name: "x", team: "bad team", store: store) }
    }

    /// Many callers at once: every call is async (GRDB's pool), none waits on another's thread.
    @Test func concurrentSignInsAllLand() async throws {
        let (store, _) = try Self.store()
        try await store.addUser(Self.ada)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await store.insertSession(
                        StoredSession(idHash: "s\(index)", userID: Self.ada.id, createdAt: 1, expiresAt: 2))
                    _ = try await store.user(tokenHash: Self.ada.tokenHash)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.deleteSessions(userID: Self.ada.id) == 200)
    }

    /// A vault opened from its home hands out the same store as its accounts.
    @Test func aVaultsAccountsAreItsStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-accounts-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        try await vault.accounts.addUser(Self.ada)
        #expect(try await vault.forTeam("other").accounts.users() == [Self.ada])
    }
}
