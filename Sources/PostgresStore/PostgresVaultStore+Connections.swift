import Foundation
import PostgresNIO
import Vault

/// Connection rows. Every update is the compare-and-swap `UPDATE … WHERE version = $n`,
/// checked by the rows it returns.
extension PostgresVaultStore {
    /// Adds a new row.
    public func insert(_ connection: StoredConnection) async throws(VaultError) {
        let row = connection
        try await execute(
            """
            INSERT INTO connections (id, team, name, kind, settings, key_id, wrapped_key, secrets, tokens, status,
                status_reason, token_expires_at, version, created_at, updated_at, legacy_agent_id, legacy_component_id,
                lease_owner, lease_until)
            VALUES (\(row.id), \(row.team), \(row.name), \(row.kind), \(row.settings), \(row.keyID), \(row.wrappedKey),
                \(row.secrets), \(row.tokens), \(row.status), \(row.statusReason), \(row.tokenExpiresAt), \(row.version),
                \(row.createdAt), \(row.updatedAt), \(row.legacyAgentID), \(row.legacyComponentID), \(row.leaseOwner),
                \(row.leaseUntil))
            """)
    }

    /// The team's connection `id`, if any.
    public func fetch(id: String, team: String) async throws(VaultError) -> StoredConnection? {
        try await rows("SELECT * FROM connections WHERE id = \(id) AND team = \(team)", Self.connection).first
    }

    /// The team's connections, by name.
    public func list(team: String) async throws(VaultError) -> [StoredConnection] {
        try await rows("SELECT * FROM connections WHERE team = \(team) ORDER BY name, created_at", Self.connection)
    }

    /// The Legacy connection of an agent's component, if any.
    public func fetchLegacy(team: String, agentID: String, componentID: String) async throws(VaultError)
        -> StoredConnection?
    {
        try await rows(
            """
            SELECT * FROM connections
            WHERE team = \(team) AND legacy_agent_id = \(agentID) AND legacy_component_id = \(componentID)
            """, Self.connection
        ).first
    }

    /// The compare-and-swap: one UPDATE that matches only the expected version.
    public func replace(_ connection: StoredConnection, expectedVersion: Int64) async throws(VaultError) -> Bool {
        try await withConnection { db in try await self.replace(connection, expectedVersion: expectedVersion, on: db) }
    }

    /// The compare-and-swap on `db` (inside a transaction, for the refresh).
    func replace(_ connection: StoredConnection, expectedVersion: Int64, on db: PostgresConnection) async throws -> Bool
    {
        guard expectedVersion < Int64.max else { return false }
        let row = connection
        let version = expectedVersion + 1
        return try await execute(
            """
            UPDATE connections SET name = \(row.name), kind = \(row.kind), settings = \(row.settings),
                key_id = \(row.keyID), wrapped_key = \(row.wrappedKey), secrets = \(row.secrets), tokens = \(row.tokens),
                status = \(row.status), status_reason = \(row.statusReason), token_expires_at = \(row.tokenExpiresAt),
                version = \(version), updated_at = \(row.updatedAt), legacy_agent_id = \(row.legacyAgentID),
                legacy_component_id = \(row.legacyComponentID), lease_owner = \(row.leaseOwner),
                lease_until = \(row.leaseUntil)
            WHERE id = \(row.id) AND team = \(row.team) AND version = \(expectedVersion)
            RETURNING 1
            """, on: db) == 1
    }

    /// Deletes the team's connection `id`; false when there was none. Refused while model
    /// routes of the team name it.
    public func delete(id: String, team: String) async throws(VaultError) -> Bool {
        try await transaction { db in
            // The row locked first: a route being written for it (which holds FOR KEY SHARE on
            // it) commits before the check below, which then sees it.
            guard
                try await self.execute(
                    "SELECT 1 FROM connections WHERE id = \(id) AND team = \(team) FOR UPDATE", on: db) == 1
            else { return false }
            let routes = try await self.modelRoutes(using: id, team: team, on: db)
            guard routes.isEmpty else { throw VaultError.connectionInUse(connection: id, models: routes) }
            try await self.execute(
                "DELETE FROM connection_health WHERE team = \(team) AND connection = \(id)", on: db)
            return try await self.execute(
                "DELETE FROM connections WHERE id = \(id) AND team = \(team) RETURNING 1", on: db) == 1
        }
    }

    /// The current version of the team's connection `id`, if any.
    public func version(id: String, team: String) async throws(VaultError) -> Int64? {
        try await rows("SELECT version FROM connections WHERE id = \(id) AND team = \(team)") {
            try $0["version"].decode(Int64.self)
        }.first
    }

    /// The ids of the master keys the stored rows were wrapped with.
    public func masterKeyIDs() async throws(VaultError) -> Set<String> {
        Set(
            try await rows(
                """
                SELECT key_id FROM connections UNION SELECT key_id FROM vault_keys UNION SELECT key_id FROM runs
                UNION SELECT key_id FROM llm_conversations
                """
            ) {
                try $0["key_id"].decode(String.self)
            })
    }

    /// Re-wraps every data key in one transaction: all or none.
    public func rewrapAll(_ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String))
        async throws(VaultError)
    {
        try await transaction { db in try await self.rewrapRows(on: db, rewrap) }
    }

    /// The re-wrap of every data key, inside the caller's transaction.
    func rewrapRows(on db: PostgresConnection, _ rewrap: (String, String, Data) throws -> (Data, String)) async throws {
        do {
            // Locked, so a refresh committing meanwhile cannot write a row re-wrapped under it.
            for row in try await self.rows("SELECT id, team, wrapped_key FROM connections FOR UPDATE", on: db) {
                let id = try row["id"].decode(String.self)
                let (wrapped, keyID) = try rewrap(
                    try row["team"].decode(String.self), id, try row["wrapped_key"].decode(Data.self))
                try await self.execute(
                    """
                    UPDATE connections SET wrapped_key = \(wrapped), key_id = \(keyID), version = version + 1
                    WHERE id = \(id)
                    """, on: db)
            }
            for row in try await self.rows("SELECT team, name, wrapped_key FROM vault_keys FOR UPDATE", on: db) {
                let team = try row["team"].decode(String.self)
                let name = try row["name"].decode(String.self)
                let (wrapped, keyID) = try rewrap(team, "key:" + name, try row["wrapped_key"].decode(Data.self))
                try await self.execute(
                    """
                    UPDATE vault_keys SET wrapped_key = \(wrapped), key_id = \(keyID)
                    WHERE team = \(team) AND name = \(name)
                    """, on: db)
            }
            for row in try await self.rows("SELECT id, team, wrapped_key FROM runs FOR UPDATE", on: db) {
                let id = try row["id"].decode(String.self)
                let (wrapped, keyID) = try rewrap(
                    try row["team"].decode(String.self), RunSeal.owner(id), try row["wrapped_key"].decode(Data.self))
                try await self.execute(
                    "UPDATE runs SET wrapped_key = \(wrapped), key_id = \(keyID) WHERE id = \(id)", on: db)
            }
            for row in try await self.rows(
                "SELECT team, agent, conversation_key, wrapped_key FROM llm_conversations FOR UPDATE", on: db)
            {
                let team = try row["team"].decode(String.self)
                let agent = try row["agent"].decode(String.self)
                let key = try row["conversation_key"].decode(String.self)
                let (wrapped, keyID) = try rewrap(
                    team, ConversationSeal.owner(agent: agent, key: key), try row["wrapped_key"].decode(Data.self))
                try await self.execute(
                    """
                    UPDATE llm_conversations SET wrapped_key = \(wrapped), key_id = \(keyID)
                    WHERE team = \(team) AND agent = \(agent) AND conversation_key = \(key)
                    """, on: db)
            }
        }
    }

    /// A stored row as a value (a column of another type than the schema's is an error).
    static func connection(_ row: PostgresRandomAccessRow) throws -> StoredConnection {
        StoredConnection(
            id: try row["id"].decode(String.self), team: try row["team"].decode(String.self),
            name: try row["name"].decode(String.self), kind: try row["kind"].decode(String.self),
            settings: try row["settings"].decode(Data.self), keyID: try row["key_id"].decode(String.self),
            wrappedKey: try row["wrapped_key"].decode(Data.self), secrets: try row["secrets"].decode(Data?.self),
            tokens: try row["tokens"].decode(Data?.self), status: try row["status"].decode(String.self),
            statusReason: try row["status_reason"].decode(String?.self),
            tokenExpiresAt: try row["token_expires_at"].decode(Double?.self),
            version: try row["version"].decode(Int64.self), createdAt: try row["created_at"].decode(Double.self),
            updatedAt: try row["updated_at"].decode(Double.self),
            legacyAgentID: try row["legacy_agent_id"].decode(String?.self),
            legacyComponentID: try row["legacy_component_id"].decode(String?.self),
            leaseOwner: try row["lease_owner"].decode(String?.self),
            leaseUntil: try row["lease_until"].decode(Double?.self))
    }
}
