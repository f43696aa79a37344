import Crypto
import Foundation

/// The team's LLMAssistant conversations, kept in the store (so every node sees them) and
/// sealed (they hold what users said). An expired one is never returned.
extension Vault {
    /// The messages of the team's conversation `key` with `agent` (the agent's id), oldest
    /// first; nil when there is none or it has expired (an expired one is deleted on the way).
    public func conversation(agent: String, key: String) async throws(VaultError) -> [ConversationMessage]? {
        try Self.checkConversationNames(agent: agent, key: key)
        guard let row = try await store.conversation(team: team, agent: agent, key: key) else { return nil }
        let now = clock().timeIntervalSince1970
        if row.isExpired(at: now) {
            _ = try await store.deleteConversation(team: team, agent: agent, key: key, expiredBy: now)
            return nil
        }
        let owner = ConversationSeal.owner(agent: agent, key: key)
        guard row.keyID == masterKey.id else {
            throw .masterKey(
                "a conversation of agent \(agent) was sealed with master key \(row.keyID), not \(masterKey.id)")
        }
        let dataKey = try Envelope.unwrap(row.wrappedKey, with: masterKey, team: team, owner: owner)
        let json = try Envelope.open(row.messages, with: dataKey, team: team, owner: owner, field: "messages")
        do {
            return try JSONDecoder().decode([ConversationMessage].self, from: json)
        } catch {
            throw .storage("a conversation of agent \(agent) holds messages this Keyflow cannot read")
        }
    }

    /// Saves (adds or replaces) the team's conversation `key` with `agent`, sealed under a new
    /// data key. It expires `ttl` from now, or is kept until removed when `ttl` is nil. Its
    /// oldest turns (never the leading system message) are left out while it would take more
    /// than `ConversationSeal.maximumSealedBytes` sealed.
    public func saveConversation(
        agent: String, key: String, messages: [ConversationMessage], ttl: Duration?
    ) async throws(VaultError) {
        try Self.checkConversationNames(agent: agent, key: key)
        guard let json = ConversationSeal.encodedWithinLimit(messages) else {
            throw .invalidInput(
                ["the conversation's system message alone is over \(ConversationSeal.maximumSealedBytes) bytes"])
        }
        let now = clock().timeIntervalSince1970
        let owner = ConversationSeal.owner(agent: agent, key: key)
        let dataKey = Envelope.newDataKey()
        try await store.putConversation(
            StoredConversation(
                team: team, agent: agent, key: key, keyID: masterKey.id,
                wrappedKey: try Envelope.wrap(dataKey, with: masterKey, team: team, owner: owner),
                messages: try Envelope.seal(json, with: dataKey, team: team, owner: owner, field: "messages"),
                expiresAt: ttl.map { now + Self.seconds(of: $0) }, updatedAt: now))
    }

    private static func checkConversationNames(agent: String, key: String) throws(VaultError) {
        let problems = [
            ConversationSeal.problem(agent, "agent id"), ConversationSeal.problem(key, "conversation key"),
        ].compactMap { $0 }
        if !problems.isEmpty { throw .invalidInput(problems) }
    }

    private static func seconds(of duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
