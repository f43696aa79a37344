import Foundation
import GRDB

/// Agents in the vault's SQLite file: `agents` holds each team's current revision and
/// `agent_revisions` every revision, the current one included, so history reads one table.
extension SQLiteVaultStore: AgentStore {
    /// Migration "v3: agents". Plain SQL that PostgreSQL also accepts.
    static func createAgentTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE agents (
                    team TEXT NOT NULL,
                    name TEXT NOT NULL,
                    body BLOB NOT NULL,
                    version BIGINT NOT NULL,
                    changed_by TEXT NOT NULL,
                    changed_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, name)
                );
                CREATE TABLE agent_revisions (
                    team TEXT NOT NULL,
                    name TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    body BLOB NOT NULL,
                    changed_by TEXT NOT NULL,
                    changed_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (team, name, version)
                );
                """)
    }

    /// The names of the team's agents, sorted.
    public func agentNames(team: String) async throws(VaultError) -> [String] {
        try await readAgents { db in
            try String.fetchAll(db, sql: "SELECT name FROM agents WHERE team = ? ORDER BY name", arguments: [team])
        }
    }

    /// The current revision of the team's agent `name`, if any.
    public func agent(team: String, name: String) async throws(VaultError) -> StoredAgent? {
        try await readAgents { db in
            try Row.fetchOne(db, sql: "SELECT * FROM agents WHERE team = ? AND name = ?", arguments: [team, name]).map(
                Self.storedAgent)
        }
    }

    /// Saves a new revision of an agent (creating it), as one transaction.
    public func saveAgent(
        team: String, name: String, body: Data, changedBy: String, changedAt: Double,
        expectedVersion: Int64?
    ) async throws(VaultError) -> StoredAgent? {
        try await writeAgents { db in
            let version: Int64
            if let expectedVersion {
                guard expectedVersion < Int64.max else { return nil }
                version = expectedVersion + 1
                try db.execute(
                    sql: """
                        UPDATE agents SET body = ?, version = ?, changed_by = ?, changed_at = ?
                        WHERE team = ? AND name = ? AND version = ?
                        """, arguments: [body, version, changedBy, changedAt, team, name, expectedVersion])
            } else {
                version = 1
                try db.execute(
                    sql: """
                        INSERT INTO agents (team, name, body, version, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (team, name) DO NOTHING
                        """, arguments: [team, name, body, version, changedBy, changedAt])
            }
            guard db.changesCount == 1 else { return nil }
            let saved = StoredAgent(
                team: team, name: name, body: body, version: version, changedBy: changedBy, changedAt: changedAt)
            try Self.insertRevision(saved, db)
            return saved
        }
    }

    /// Every revision of the agent, newest first.
    public func agentRevisions(team: String, name: String) async throws(VaultError) -> [AgentRevision] {
        try await readAgents { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT version, changed_by, changed_at FROM agent_revisions WHERE team = ? AND name = ? ORDER BY version DESC
                    """, arguments: [team, name]
            ).map { row in
                AgentRevision(version: row["version"], changedBy: row["changed_by"], changedAt: row["changed_at"])
            }
        }
    }

    /// One revision of the agent, if it exists.
    public func agentRevision(team: String, name: String, version: Int64) async throws(VaultError) -> StoredAgent? {
        try await readAgents { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM agent_revisions WHERE team = ? AND name = ? AND version = ?",
                arguments: [team, name, version]
            ).map(Self.storedAgent)
        }
    }

    /// Makes an earlier revision current again, as a new revision.
    public func restoreAgentRevision(
        team: String, name: String, version: Int64, changedBy: String,
        changedAt: Double
    ) async throws(VaultError) -> StoredAgent? {
        try await writeAgents { db in
            // One write transaction: nobody can save between reading the current version and the update.
            guard
                let current = try Int64.fetchOne(
                    db, sql: "SELECT version FROM agents WHERE team = ? AND name = ?", arguments: [team, name]),
                current < Int64.max,
                let body = try Data.fetchOne(
                    db, sql: "SELECT body FROM agent_revisions WHERE team = ? AND name = ? AND version = ?",
                    arguments: [team, name, version])
            else { return nil }
            let restored = StoredAgent(
                team: team, name: name, body: body, version: current + 1, changedBy: changedBy, changedAt: changedAt)
            try db.execute(
                sql: """
                    UPDATE agents SET body = ?, version = ?, changed_by = ?, changed_at = ? WHERE team = ? AND name = ? AND version = ?
                    """, arguments: [body, restored.version, changedBy, changedAt, team, name, current])
            try Self.insertRevision(restored, db)
            return restored
        }
    }

    /// Deletes the agent and its revisions; false when there was none.
    public func deleteAgent(team: String, name: String) async throws(VaultError) -> Bool {
        try await writeAgents { db in
            try db.execute(sql: "DELETE FROM agents WHERE team = ? AND name = ?", arguments: [team, name])
            let existed = db.changesCount == 1
            try db.execute(sql: "DELETE FROM agent_revisions WHERE team = ? AND name = ?", arguments: [team, name])
            return existed
        }
    }

    // MARK: - Plumbing

    private static func insertRevision(_ agent: StoredAgent, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO agent_revisions (team, name, version, body, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [agent.team, agent.name, agent.version, agent.body, agent.changedBy, agent.changedAt])
    }

    private static func storedAgent(_ row: Row) -> StoredAgent {
        StoredAgent(
            team: row["team"], name: row["name"], body: row["body"], version: row["version"],
            changedBy: row["changed_by"], changedAt: row["changed_at"])
    }

    /// GRDB's async read: the caller's task waits without blocking a thread.
    private func readAgents<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError)
        -> T
    {
        do { return try await pool.read(body) } catch { throw Self.storageError(error) }
    }

    /// GRDB's async write, in one transaction.
    private func writeAgents<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError)
        -> T
    {
        do { return try await pool.write(body) } catch { throw Self.storageError(error) }
    }

    private static func storageError(_ error: Error) -> VaultError {
        (error as? VaultError) ?? .storage(describe(error))
    }
}
