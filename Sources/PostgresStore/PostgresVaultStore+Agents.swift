import Foundation
import PostgresNIO
import Vault

/// Agents: `agents` holds each team's current revision and `agent_revisions` every revision,
/// as in the SQLite store. Saves are compare-and-swaps on `version` inside one transaction.
extension PostgresVaultStore: AgentStore {
    /// The names of the team's agents, sorted.
    public func agentNames(team: String) async throws(VaultError) -> [String] {
        try await rows("SELECT name FROM agents WHERE team = \(team) ORDER BY name") {
            try $0["name"].decode(String.self)
        }
    }

    /// The current revision of the team's agent `name`, if any.
    public func agent(team: String, name: String) async throws(VaultError) -> StoredAgent? {
        try await rows("SELECT * FROM agents WHERE team = \(team) AND name = \(name)", Self.agent).first
    }

    /// Saves a new revision of an agent (creating it), as one transaction.
    public func saveAgent(
        team: String, name: String, body: Data, changedBy: String, changedAt: Double,
        expectedVersion: Int64?
    ) async throws(VaultError) -> StoredAgent? {
        try await transaction { db -> StoredAgent? in
            let version: Int64
            let changed: Int
            if let expectedVersion {
                guard expectedVersion < Int64.max else { return nil }
                version = expectedVersion + 1
                changed = try await self.execute(
                    """
                    UPDATE agents SET body = \(body), version = \(version), changed_by = \(changedBy),
                        changed_at = \(changedAt)
                    WHERE team = \(team) AND name = \(name) AND version = \(expectedVersion)
                    RETURNING 1
                    """, on: db)
            } else {
                version = 1
                changed = try await self.execute(
                    """
                    INSERT INTO agents (team, name, body, version, changed_by, changed_at)
                    VALUES (\(team), \(name), \(body), \(version), \(changedBy), \(changedAt))
                    ON CONFLICT (team, name) DO NOTHING
                    RETURNING 1
                    """, on: db)
            }
            guard changed == 1 else { return nil }
            let saved = StoredAgent(
                team: team, name: name, body: body, version: version, changedBy: changedBy, changedAt: changedAt)
            try await self.insertRevision(saved, on: db)
            return saved
        }
    }

    /// Every revision of the agent, newest first.
    public func agentRevisions(team: String, name: String) async throws(VaultError) -> [AgentRevision] {
        try await rows(
            """
            SELECT version, changed_by, changed_at FROM agent_revisions WHERE team = \(team) AND name = \(name)
            ORDER BY version DESC
            """
        ) { row in
            AgentRevision(
                version: try row["version"].decode(Int64.self), changedBy: try row["changed_by"].decode(String.self),
                changedAt: try row["changed_at"].decode(Double.self))
        }
    }

    /// One revision of the agent, if it exists.
    public func agentRevision(team: String, name: String, version: Int64) async throws(VaultError) -> StoredAgent? {
        try await rows(
            "SELECT * FROM agent_revisions WHERE team = \(team) AND name = \(name) AND version = \(version)", Self.agent
        ).first
    }

    /// Makes an earlier revision current again, as a new revision.
    public func restoreAgentRevision(
        team: String, name: String, version: Int64, changedBy: String,
        changedAt: Double
    ) async throws(VaultError) -> StoredAgent? {
        try await transaction { db -> StoredAgent? in
            // The current row locked: nobody can save between reading its version and the update.
            guard
                let current = try await self.rows(
                    "SELECT version FROM agents WHERE team = \(team) AND name = \(name) FOR UPDATE", on: db
                ).first.map({ try $0["version"].decode(Int64.self) }),
                current < Int64.max,
                let body = try await self.rows(
                    """
                    SELECT body FROM agent_revisions WHERE team = \(team) AND name = \(name) AND version = \(version)
                    """, on: db
                ).first.map({ try $0["body"].decode(Data.self) })
            else { return nil }
            let restored = StoredAgent(
                team: team, name: name, body: body, version: current + 1, changedBy: changedBy, changedAt: changedAt)
            try await self.execute(
                """
                UPDATE agents SET body = \(body), version = \(restored.version), changed_by = \(changedBy),
                    changed_at = \(changedAt)
                WHERE team = \(team) AND name = \(name) AND version = \(current)
                """, on: db)
            try await self.insertRevision(restored, on: db)
            return restored
        }
    }

    /// Deletes the agent and its revisions; false when there was none.
    public func deleteAgent(team: String, name: String) async throws(VaultError) -> Bool {
        try await transaction { db in
            let existed = try await self.execute(
                "DELETE FROM agents WHERE team = \(team) AND name = \(name) RETURNING 1", on: db)
            try await self.execute("DELETE FROM agent_revisions WHERE team = \(team) AND name = \(name)", on: db)
            return existed == 1
        }
    }

    private func insertRevision(_ agent: StoredAgent, on db: PostgresConnection) async throws {
        try await execute(
            """
            INSERT INTO agent_revisions (team, name, version, body, changed_by, changed_at)
            VALUES (\(agent.team), \(agent.name), \(agent.version), \(agent.body), \(agent.changedBy), \(agent.changedAt))
            """, on: db)
    }

    static func agent(_ row: PostgresRandomAccessRow) throws -> StoredAgent {
        StoredAgent(
            team: try row["team"].decode(String.self), name: try row["name"].decode(String.self),
            body: try row["body"].decode(Data.self), version: try row["version"].decode(Int64.self),
            changedBy: try row["changed_by"].decode(String.self), changedAt: try row["changed_at"].decode(Double.self))
    }
}
