import Foundation
import OAuthCore
import PostgresStore
import Synchronization
import Testing
import Vault

/// The LLMAssistant conversations' contract, on every store: a round trip through the sealed
/// row, never another team's, gone once expired (on read, and by the purge), sealed at rest,
/// readable after `rotate-key`, and within its size limit.
struct ConversationStoreContractTests {
    static let agent = "agent-1"
    static let key = "conv-uann-c42"
    static let turns = [
        ConversationMessage(role: .system, content: "You answer briefly."),
        ConversationMessage(role: .user, content: "hi"),
        ConversationMessage(role: .assistant, content: "hello"),
    ]

    /// A time the test moves by hand.
    final class TestClock: Sendable {
        private let now = Mutex(Date(timeIntervalSince1970: 1_000))
        var date: Date { now.withLock { $0 } }
        func advance(_ seconds: Double) { now.withLock { $0 += seconds } }
    }

    /// A vault of `team` over the setup's store and master key, on `clock`.
    static func vault(_ setup: TestStore, team: String, clock: TestClock) async throws -> Vault {
        _ = try await setup.vault(team: team)  // creates the master key file on first use
        return try await Vault(
            store: setup.store, home: setup.home, team: team,
            masterKey: try MasterKey.load(home: setup.home, create: false).key, catalog: try ProviderCatalog.builtIn(),
            clock: { clock.date })
    }

    @Test(arguments: StoreKind.available)
    func aConversationRoundTripsAndIsReplacedWhole(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        #expect(try await vault.conversation(agent: Self.agent, key: Self.key) == nil)
        try await vault.saveConversation(agent: Self.agent, key: Self.key, messages: Self.turns, ttl: nil)
        #expect(try await vault.conversation(agent: Self.agent, key: Self.key) == Self.turns)
        let longer = Self.turns + [ConversationMessage(role: .user, content: "and now? ünïcødé ✓")]
        try await vault.saveConversation(agent: Self.agent, key: Self.key, messages: longer, ttl: .seconds(60))
        #expect(try await vault.conversation(agent: Self.agent, key: Self.key) == longer)
        // Another agent or key of the same team is another conversation.
        #expect(try await vault.conversation(agent: "agent-2", key: Self.key) == nil)
        #expect(try await vault.conversation(agent: Self.agent, key: "conv-uann-c43") == nil)
    }

    @Test(arguments: StoreKind.available)
    func anotherTeamNeverReadsTheConversation(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let teamA = try await setup.vault(team: "a")
        let teamB = teamA.forTeam("b")
        try await teamA.saveConversation(agent: Self.agent, key: Self.key, messages: Self.turns, ttl: nil)
        #expect(try await teamB.conversation(agent: Self.agent, key: Self.key) == nil)
        #expect(try await setup.store.conversation(team: "b", agent: Self.agent, key: Self.key) == nil)
        let other = [ConversationMessage(role: .system, content: "team b")]
        try await teamB.saveConversation(agent: Self.agent, key: Self.key, messages: other, ttl: nil)
        #expect(try await teamA.conversation(agent: Self.agent, key: Self.key) == Self.turns)
        #expect(try await teamB.conversation(agent: Self.agent, key: Self.key) == other)
        // Team a's row presented as team b's does not open.
        var moved = try #require(try await setup.store.conversation(team: "a", agent: Self.agent, key: Self.key))
        moved.team = "b"
        try await setup.store.putConversation(moved)
        await #expect(throws: VaultError.self) { try await teamB.conversation(agent: Self.agent, key: Self.key) }
    }

    @Test(arguments: StoreKind.available)
    func anExpiredConversationIsNeverReturnedAndIsDeleted(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let clock = TestClock()
        let vault = try await Self.vault(setup, team: "a", clock: clock)
        try await vault.saveConversation(agent: Self.agent, key: Self.key, messages: Self.turns, ttl: .seconds(1))
        try await vault.saveConversation(agent: Self.agent, key: "kept", messages: Self.turns, ttl: nil)
        clock.advance(0.5)
        #expect(try await vault.conversation(agent: Self.agent, key: Self.key) == Self.turns)
        clock.advance(0.5)
        #expect(try await vault.conversation(agent: Self.agent, key: Self.key) == nil)
        #expect(try await setup.store.conversation(team: "a", agent: Self.agent, key: Self.key) == nil)
        clock.advance(86_400 * 365)
        #expect(try await vault.conversation(agent: Self.agent, key: "kept") == Self.turns)

        // The purge takes every team's expired rows and only those.
        let now = clock.date.timeIntervalSince1970
        try await vault.saveConversation(agent: Self.agent, key: "short", messages: Self.turns, ttl: .seconds(5))
        try await vault.forTeam("b").saveConversation(
            agent: Self.agent, key: "short", messages: Self.turns, ttl: .seconds(5))
        try await vault.saveConversation(agent: Self.agent, key: "long", messages: Self.turns, ttl: .seconds(50))
        #expect(try await setup.store.purgeConversations(expiredBy: now + 4) == 0)
        #expect(try await setup.store.purgeConversations(expiredBy: now + 5) == 2)
        #expect(try await setup.store.conversation(team: "b", agent: Self.agent, key: "short") == nil)
        #expect(try await setup.store.conversation(team: "a", agent: Self.agent, key: "long") != nil)
        #expect(try await setup.store.conversation(team: "a", agent: Self.agent, key: "kept") != nil)
        // A conversation saved again after it expired is not deleted by the stale expiry.
        #expect(try await !setup.store.deleteConversation(team: "a", agent: Self.agent, key: "long", expiredBy: now))
    }

    @Test(arguments: StoreKind.available)
    func theMessagesAreSealedAtRestAndSurviveKeyRotation(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        let canary = "CANARY-conversation-0123456789"
        let messages = Self.turns + [ConversationMessage(role: .user, content: canary)]
        try await vault.saveConversation(agent: Self.agent, key: Self.key, messages: messages, ttl: nil)
        let row = try #require(try await setup.store.conversation(team: "a", agent: Self.agent, key: Self.key))
        for bytes in [row.messages, row.wrappedKey] {
            #expect(!String(decoding: bytes, as: UTF8.self).contains(canary))
            #expect(!String(decoding: bytes, as: UTF8.self).contains("briefly"))
        }

        try await MasterKey.rotateFile(home: setup.home, to: MasterKey.generate()) { key throws(VaultError) in
            try await vault.rewrapAll(with: key)
        }
        let reopened = try await setup.vault(team: "a")
        #expect(try await reopened.conversation(agent: Self.agent, key: Self.key) == messages)
        let after = try #require(try await setup.store.conversation(team: "a", agent: Self.agent, key: Self.key))
        #expect(after.keyID != row.keyID && after.wrappedKey != row.wrappedKey)
        #expect(try await setup.store.masterKeyIDs() == [after.keyID])
    }

    @Test(arguments: StoreKind.available)
    func aConversationOverItsSizeLimitLosesItsOldestTurnsAndLongKeysAreRefused(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        let system = ConversationMessage(role: .system, content: "You answer briefly.")
        let turns = (0..<30).map {
            ConversationMessage(role: .user, content: "\($0) " + String(repeating: "x", count: 50_000))
        }
        try await vault.saveConversation(agent: Self.agent, key: Self.key, messages: [system] + turns, ttl: nil)
        let kept = try #require(try await vault.conversation(agent: Self.agent, key: Self.key))
        #expect(kept.first == system)
        #expect(kept.count > 10 && kept.count < 21, "\(kept.count)")
        #expect(Array(kept.dropFirst()) == Array(turns.suffix(kept.count - 1)))
        let row = try #require(try await setup.store.conversation(team: "a", agent: Self.agent, key: Self.key))
        #expect(row.messages.count <= ConversationSeal.maximumSealedBytes)

        let huge = ConversationMessage(role: .system, content: String(repeating: "y", count: 1_100_000))
        await #expect(throws: VaultError.self) {
            try await vault.saveConversation(agent: Self.agent, key: Self.key, messages: [huge], ttl: nil)
        }
        let long = String(repeating: "k", count: ConversationSeal.maximumKeyLength + 1)
        await #expect(throws: VaultError.self) {
            try await vault.saveConversation(agent: Self.agent, key: long, messages: Self.turns, ttl: nil)
        }
        await #expect(throws: VaultError.self) { try await vault.conversation(agent: "", key: Self.key) }
    }
}
