import Foundation

/// Where the teams' LLMAssistant conversations live (`llm_conversations`): one per team, agent
/// and conversation key, sealed. Every method that reads or changes one conversation names its
/// team, so no query reaches another team's. Implementations throw `VaultError.storage` when
/// the database fails.
public protocol ConversationStore: Sendable {
    /// The team's conversation of this agent and key, expired or not; nil when there is none.
    func conversation(team: String, agent: String, key: String) async throws(VaultError) -> StoredConversation?

    /// Adds the conversation, or replaces the team's conversation of that agent and key.
    func putConversation(_ conversation: StoredConversation) async throws(VaultError)

    /// Deletes the team's conversation of this agent and key if it expired at or before `time`
    /// (one saved again meanwhile stays); false when nothing was deleted.
    func deleteConversation(team: String, agent: String, key: String, expiredBy time: Double)
        async throws(VaultError) -> Bool

    /// Deletes every team's conversations that expired at or before `time`; returns how many.
    func purgeConversations(expiredBy time: Double) async throws(VaultError) -> Int
}
