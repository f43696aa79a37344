import Foundation
import PostgresNIO
import Vault

/// The teams' LLMAssistant conversations, sealed, one per team, agent and conversation key.
extension PostgresVaultStore {
    /// The team's conversation of `agent` and `key`, expired or not.
    public func conversation(team: String, agent: String, key: String) async throws(VaultError)
        -> StoredConversation?
    {
        try await rows(
            """
            SELECT * FROM llm_conversations WHERE team = \(team) AND agent = \(agent) AND conversation_key = \(key)
            """, Self.conversation
        ).first
    }

    /// Adds or replaces the conversation.
    public func putConversation(_ conversation: StoredConversation) async throws(VaultError) {
        try await execute(
            """
            INSERT INTO llm_conversations (team, agent, conversation_key, key_id, wrapped_key, messages, expires_at,
                updated_at)
            VALUES (\(conversation.team), \(conversation.agent), \(conversation.key), \(conversation.keyID),
                \(conversation.wrappedKey), \(conversation.messages), \(conversation.expiresAt),
                \(conversation.updatedAt))
            ON CONFLICT (team, agent, conversation_key) DO UPDATE SET key_id = excluded.key_id,
                wrapped_key = excluded.wrapped_key, messages = excluded.messages, expires_at = excluded.expires_at,
                updated_at = excluded.updated_at
            """)
    }

    /// Deletes the team's conversation of `agent` and `key` if it expired by `time`.
    public func deleteConversation(team: String, agent: String, key: String, expiredBy time: Double)
        async throws(VaultError) -> Bool
    {
        try await execute(
            """
            DELETE FROM llm_conversations
            WHERE team = \(team) AND agent = \(agent) AND conversation_key = \(key) AND expires_at <= \(time)
            RETURNING 1
            """) == 1
    }

    /// Deletes the conversations, of every team, that expired by `time`.
    public func purgeConversations(expiredBy time: Double) async throws(VaultError) -> Int {
        try await execute("DELETE FROM llm_conversations WHERE expires_at <= \(time) RETURNING 1")
    }

    static func conversation(_ row: PostgresRandomAccessRow) throws -> StoredConversation {
        StoredConversation(
            team: try row["team"].decode(String.self), agent: try row["agent"].decode(String.self),
            key: try row["conversation_key"].decode(String.self), keyID: try row["key_id"].decode(String.self),
            wrappedKey: try row["wrapped_key"].decode(Data.self), messages: try row["messages"].decode(Data.self),
            expiresAt: try row["expires_at"].decode(Double?.self), updatedAt: try row["updated_at"].decode(Double.self))
    }
}
