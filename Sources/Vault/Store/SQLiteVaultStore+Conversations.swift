import Foundation
import GRDB

/// The teams' LLMAssistant conversations (`ConversationStore`, part of `VaultStore`) in the
/// vault's SQLite file.
extension SQLiteVaultStore {
    /// Migration "v9: llm conversations". Plain SQL; `PostgresMigrations` has the same table with BYTEA.
    static func createConversationTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE llm_conversations (
                    team TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    conversation_key TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    wrapped_key BLOB NOT NULL,
                    messages BLOB NOT NULL,
                    expires_at DOUBLE PRECISION,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, agent, conversation_key)
                );
                CREATE INDEX llm_conversations_expiry ON llm_conversations(expires_at) WHERE expires_at IS NOT NULL;
                """)
    }

    /// The team's conversation of `agent` and `key`, expired or not.
    public func conversation(team: String, agent: String, key: String) async throws(VaultError)
        -> StoredConversation?
    {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM llm_conversations WHERE team = ? AND agent = ? AND conversation_key = ?",
                arguments: [team, agent, key]
            ).map(Self.conversation)
        }
    }

    /// Adds or replaces the conversation.
    public func putConversation(_ conversation: StoredConversation) async throws(VaultError) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO llm_conversations (team, agent, conversation_key, key_id, wrapped_key, messages,
                        expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (team, agent, conversation_key) DO UPDATE SET key_id = excluded.key_id,
                        wrapped_key = excluded.wrapped_key, messages = excluded.messages,
                        expires_at = excluded.expires_at, updated_at = excluded.updated_at
                    """,
                arguments: [
                    conversation.team, conversation.agent, conversation.key, conversation.keyID,
                    conversation.wrappedKey, conversation.messages, conversation.expiresAt, conversation.updatedAt,
                ])
        }
    }

    /// Deletes the team's conversation of `agent` and `key` if it expired by `time`.
    public func deleteConversation(team: String, agent: String, key: String, expiredBy time: Double)
        async throws(VaultError) -> Bool
    {
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM llm_conversations
                    WHERE team = ? AND agent = ? AND conversation_key = ? AND expires_at <= ?
                    """, arguments: [team, agent, key, time])
            return db.changesCount == 1
        }
    }

    /// Deletes the conversations, of every team, that expired by `time`.
    public func purgeConversations(expiredBy time: Double) async throws(VaultError) -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM llm_conversations WHERE expires_at <= ?", arguments: [time])
            return db.changesCount
        }
    }

    static func conversation(_ row: Row) -> StoredConversation {
        StoredConversation(
            team: row["team"], agent: row["agent"], key: row["conversation_key"], keyID: row["key_id"],
            wrappedKey: row["wrapped_key"], messages: row["messages"], expiresAt: row["expires_at"],
            updatedAt: row["updated_at"])
    }
}
