import Accounts
import Foundation
import PostgresStore
import Testing
import Vault

/// The store contract, one suite run against every store: what SQLite does, PostgreSQL does
/// too, so a vault moves between them (`keyflow db copy`) and `serve` behaves the same.
struct StoreContractTests {
    static func connection(_ id: String, team: String = "a", name: String = "CRM", version: Int64 = 1)
        -> StoredConnection
    {
        StoredConnection(
            id: id, team: team, name: name, kind: "custom-oauth2", settings: Data("{}".utf8), keyID: "mk1",
            wrappedKey: Data([1, 2, 3]), secrets: Data([0, 255, 7]), tokens: nil, status: "needs-auth",
            statusReason: nil, tokenExpiresAt: nil, version: version, createdAt: 100, updatedAt: 100,
            legacyAgentID: nil, legacyComponentID: nil, leaseOwner: nil, leaseUntil: nil)
    }

    @Test(arguments: StoreKind.available)
    func connectionsAreSwappedOnlyFromTheVersionRead(kind: StoreKind) async throws {
        let store = try await kind.make().store
        try await store.insert(Self.connection("kc_1"))
        try await store.insert(Self.connection("kc_2", team: "b"))
        #expect(try await store.fetch(id: "kc_1", team: "a") == Self.connection("kc_1"))
        #expect(try await store.fetch(id: "kc_1", team: "b") == nil)  // another team's id looks missing
        #expect(try await store.list(team: "a").map(\.id) == ["kc_1"])

        var edited = Self.connection("kc_1", name: "CRM 2")
        edited.tokens = Data(repeating: 9, count: 300)
        edited.tokenExpiresAt = 1_234.5
        #expect(try await store.replace(edited, expectedVersion: 1))
        #expect(try await !store.replace(edited, expectedVersion: 1))  // stale: nothing written
        let stored = try #require(try await store.fetch(id: "kc_1", team: "a"))
        #expect(stored.version == 2 && stored.name == "CRM 2" && stored.tokens == edited.tokens)
        #expect(stored.tokenExpiresAt == 1_234.5)
        #expect(try await store.version(id: "kc_1", team: "a") == 2)
        #expect(try await !store.replace(Self.connection("kc_2", team: "a"), expectedVersion: 1))  // wrong team

        var legacy = Self.connection("kc_3")
        legacy.legacyAgentID = "agent-1"
        legacy.legacyComponentID = "C1"
        try await store.insert(legacy)
        #expect(try await store.fetchLegacy(team: "a", agentID: "agent-1", componentID: "C1")?.id == "kc_3")
        #expect(try await store.fetchLegacy(team: "b", agentID: "agent-1", componentID: "C1") == nil)

        #expect(try await store.delete(id: "kc_1", team: "a"))
        #expect(try await !store.delete(id: "kc_1", team: "a"))
        #expect(try await store.version(id: "kc_1", team: "a") == nil)
    }

    @Test(arguments: StoreKind.available)
    func concurrentSwapsFromOneVersionHaveOneWinner(kind: StoreKind) async throws {
        let setup = try await kind.make()
        try await setup.store.insert(Self.connection("kc_1"))
        let other = try await setup.secondNode()
        let stores: [any FullStore] = [setup.store, other]
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await stores[index % 2].replace(Self.connection("kc_1", name: "n\(index)"), expectedVersion: 1)
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        #expect(try await other.version(id: "kc_1", team: "a") == 2)
    }

    @Test(arguments: StoreKind.available)
    func vaultKeysAreOnePerTeamAndName(kind: StoreKind) async throws {
        let store = try await kind.make().store
        let key = StoredKey(
            team: "a", name: "SLACK", keyID: "mk1", wrappedKey: Data([1]), value: Data([2]), createdAt: 1, updatedAt: 1)
        try await store.putKey(key)
        var replaced = key
        replaced.value = Data([3])
        replaced.createdAt = 50
        replaced.updatedAt = 60
        try await store.putKey(replaced)
        let stored = try #require(try await store.fetchKey(team: "a", name: "SLACK"))
        #expect(stored.value == Data([3]) && stored.createdAt == 1 && stored.updatedAt == 60)
        #expect(try await store.fetchKey(team: "b", name: "SLACK") == nil)
        #expect(try await store.listKeys(team: "a").map(\.name) == ["SLACK"])
        #expect(try await store.masterKeyIDs() == ["mk1"])
        #expect(try await store.deleteKey(team: "a", name: "SLACK"))
        #expect(try await !store.deleteKey(team: "a", name: "SLACK"))
    }

    @Test(arguments: StoreKind.available)
    func aLoginIsTakenOnceFromAnyNodeAndExpires(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let nodeA = setup.store
        let nodeB = try await setup.secondNode()
        let now = Date().timeIntervalSince1970
        for (key, expiresAt) in [("old", now - 1), ("new", now + 600)] {
            try await nodeA.insertLogin(
                StoredLogin(
                    keyHash: key, team: "a", connectionID: "kc_1", connectionVersion: 1, binding: "browser-1",
                    flow: Data([1, 2, 3]), startedAt: now - 10, expiresAt: expiresAt))
        }
        #expect(try await nodeB.purgeLogins(expiredBefore: now) == 1)
        #expect(try await nodeB.login(keyHash: "new")?.binding == "browser-1")
        let teamA = try await nodeB.hasLogins(team: "a")
        let teamB = try await nodeB.hasLogins(team: "b")
        #expect(teamA && !teamB)
        async let first = nodeA.takeLogin(keyHash: "new")
        async let second = nodeB.takeLogin(keyHash: "new")
        let taken = try await [first, second].compactMap { $0 }
        #expect(taken.count == 1 && taken.first?.flow == Data([1, 2, 3]))

        let target = StoredAddNewTarget(
            connectionID: "kc_1", team: "a", agent: "crm", component: "C1", changedBy: "alice", createdAt: now)
        try await nodeA.putAddNewTarget(target)
        #expect(try await nodeB.takeAddNewTarget(connectionID: "kc_1", team: "b") == nil)
        #expect(try await nodeB.takeAddNewTarget(connectionID: "kc_1", team: "a") == target)
        #expect(try await nodeA.takeAddNewTarget(connectionID: "kc_1", team: "a") == nil)
        try await nodeA.putAddNewTarget(target)
        #expect(try await nodeA.purgeAddNewTargets(createdBefore: now + 1) == 1)
    }

    @Test(arguments: StoreKind.available)
    func agentsAreRevisionedPerTeam(kind: StoreKind) async throws {
        let store = try await kind.make().store
        let one = Data("one".utf8)
        let first = try #require(
            try await store.saveAgent(
                team: "a", name: "digest", body: one, changedBy: "alice", changedAt: 1, expectedVersion: nil))
        #expect(first.version == 1)
        #expect(
            try await store.saveAgent(
                team: "a", name: "digest", body: one, changedBy: "bob", changedAt: 2, expectedVersion: nil) == nil)
        #expect(
            try await store.saveAgent(
                team: "a", name: "digest", body: Data("two".utf8), changedBy: "bob", changedAt: 3, expectedVersion: 1)?
                .version == 2)
        #expect(
            try await store.saveAgent(
                team: "a", name: "digest", body: one, changedBy: "eve", changedAt: 4, expectedVersion: 1) == nil)
        #expect(try await store.agentNames(team: "a") == ["digest"])
        #expect(try await store.agentNames(team: "b").isEmpty)
        #expect(try await store.agent(team: "b", name: "digest") == nil)
        let restored = try #require(
            try await store.restoreAgentRevision(
                team: "a", name: "digest", version: 1, changedBy: "carol", changedAt: 5))
        #expect(restored.version == 3 && restored.body == one)
        #expect(try await store.agentRevisions(team: "a", name: "digest").map(\.version) == [3, 2, 1])
        #expect(try await store.agentRevision(team: "a", name: "digest", version: 2)?.body == Data("two".utf8))
        #expect(try await store.deleteAgent(team: "a", name: "digest"))
        #expect(try await store.agentRevisions(team: "a", name: "digest").isEmpty)
        #expect(try await !store.deleteAgent(team: "a", name: "digest"))
    }

    @Test(arguments: StoreKind.available)
    func usersAndSessionsAreSharedByEveryNode(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let nodeA = setup.store
        let nodeB = try await setup.secondNode()
        let ada = StoredUser(id: "ku_ada", name: "ada", team: "acme", tokenHash: "hash-ada", createdAt: 1)
        try await nodeA.addUser(ada)
        #expect(try await nodeB.user(tokenHash: "hash-ada") == ada)
        try await nodeA.insertSession(StoredSession(idHash: "s1", userID: "ku_ada", createdAt: 1, expiresAt: 10))
        try await nodeA.insertSession(StoredSession(idHash: "s2", userID: "ku_ada", createdAt: 1, expiresAt: 1_000))
        #expect(try await nodeB.session(idHash: "s2")?.userID == "ku_ada")
        #expect(try await nodeB.purgeSessions(expiredBefore: 100) == 1)
        #expect(try await nodeB.deleteSessions(userID: "ku_ada") == 1)
        #expect(try await nodeA.session(idHash: "s2") == nil)
        #expect(try await nodeB.replaceUserToken(id: "ku_ada", tokenHash: "hash-2"))
        #expect(try await nodeA.user(tokenHash: "hash-ada") == nil)
        #expect(try await nodeB.deleteUser(id: "ku_ada"))
        #expect(try await nodeA.users().isEmpty)
    }

    /// A new token or a removed user ends the user's sessions in the same write: no crash or
    /// outage between two calls can leave a session alive after the token it came from.
    @Test(arguments: StoreKind.available)
    func aTokenRotationOrRemovalEndsTheSessionsInTheSameWrite(kind: StoreKind) async throws {
        let store = try await kind.make().store
        try await store.addUser(StoredUser(id: "ku_ada", name: "ada", team: "acme", tokenHash: "h1", createdAt: 1))
        try await store.addUser(StoredUser(id: "ku_bob", name: "bob", team: "acme", tokenHash: "h2", createdAt: 1))
        for (id, user) in [("s1", "ku_ada"), ("s2", "ku_ada"), ("s3", "ku_bob")] {
            try await store.insertSession(StoredSession(idHash: id, userID: user, createdAt: 1, expiresAt: 9e9))
        }
        #expect(try await store.replaceUserToken(id: "ku_ada", tokenHash: "h1-new"))
        #expect(try await store.session(idHash: "s1") == nil)
        #expect(try await store.session(idHash: "s2") == nil)
        #expect(try await store.session(idHash: "s3") != nil)
        #expect(try await store.deleteUser(id: "ku_bob"))
        #expect(try await store.session(idHash: "s3") == nil)
    }

    @Test(arguments: StoreKind.available)
    func aVaultOverTheStoreSealsAndReadsBackConnectionsAndKeys(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "acme")
        let added = try await vault.add(
            kind: "custom-oauth2", name: "CRM",
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": "s3cret-value", "authorizationURL": "https://auth.example/a",
                    "tokenURL": "https://auth.example/t",
                ]))
        try await vault.setKey("SLACK", value: "xoxb-1")
        // A second node with the same master key reads what the first sealed.
        let other = try await Vault.open(home: setup.home, team: "acme", store: try await setup.secondNode()).vault
        #expect(try await other.secrets(of: added.id).clientSecret == "s3cret-value")
        #expect(try await other.keyValue("SLACK") == "xoxb-1")
        #expect(try await other.forTeam("other").list().isEmpty)
        // Rotating the master key re-wraps every row in one transaction.
        #expect(try await setup.store.masterKeyIDs().count == 1)
    }
}
