import Foundation
import Vault

/// Stands in when a vault's store keeps no agents (every store Keyflow ships does): the
/// agents routes then say so instead of the server refusing to start.
struct NoAgentStore: AgentStore {
    static let error = VaultError.storage("this vault's store keeps no agents")

    func agentNames(team: String) async throws(VaultError) -> [String] { throw Self.error }
    func agent(team: String, name: String) async throws(VaultError) -> StoredAgent? { throw Self.error }
    func saveAgent(
        team: String, name: String, body: Data, changedBy: String, changedAt: Double,
        expectedVersion: Int64?
    ) async throws(VaultError) -> StoredAgent? { throw Self.error }
    func agentRevisions(team: String, name: String) async throws(VaultError) -> [AgentRevision] { throw Self.error }
    func agentRevision(team: String, name: String, version: Int64) async throws(VaultError) -> StoredAgent? {
        throw Self.error
    }
    func restoreAgentRevision(
        team: String, name: String, version: Int64, changedBy: String,
        changedAt: Double
    ) async throws(VaultError) -> StoredAgent? { throw Self.error }
    func deleteAgent(team: String, name: String) async throws(VaultError) -> Bool { throw Self.error }
}
