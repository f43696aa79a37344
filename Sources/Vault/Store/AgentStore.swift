import Foundation

/// Where a team's agents are kept, with every earlier revision. Every method names the team,
/// so no query can reach another team's agents. Every save is a compare-and-swap on
/// `version`, so any store with transactions (SQLite, PostgreSQL) can implement it and
/// several processes or nodes can share it. Implementations throw `VaultError.storage`
/// when the store itself fails and never put an agent's body in an error.
public protocol AgentStore: Sendable {
    /// The names of the team's agents, sorted.
    func agentNames(team: String) async throws(VaultError) -> [String]

    /// The current revision of an agent, nil when the team has no agent of that name.
    func agent(team: String, name: String) async throws(VaultError) -> StoredAgent?

    /// Saves `body` as the agent's next revision, if nobody else saved first: with
    /// `expectedVersion` nil only when the team has no agent of that name yet (it becomes
    /// version 1), otherwise only when the current version is still `expectedVersion`.
    /// Returns the new revision, or nil (and writes nothing) when that condition fails.
    func saveAgent(
        team: String, name: String, body: Data, changedBy: String, changedAt: Double,
        expectedVersion: Int64?
    ) async throws(VaultError) -> StoredAgent?

    /// The agent's revisions, newest first; empty when there is no such agent.
    func agentRevisions(team: String, name: String) async throws(VaultError) -> [AgentRevision]

    /// One revision of an agent, nil when there is no such agent or revision.
    func agentRevision(team: String, name: String, version: Int64) async throws(VaultError) -> StoredAgent?

    /// Saves the body of revision `version` as a new revision (earlier ones are kept), in
    /// one transaction. Returns the new revision, nil when there is no such agent or revision.
    func restoreAgentRevision(
        team: String, name: String, version: Int64, changedBy: String,
        changedAt: Double
    ) async throws(VaultError) -> StoredAgent?

    /// Deletes an agent and all its revisions; false when there was no such agent.
    func deleteAgent(team: String, name: String) async throws(VaultError) -> Bool
}
