import Runtime
import Vault

/// The agents a run's AgentPlugins may call under `keyflow serve`: the run's team's agents
/// (their current revisions), by name, else by the `id` in the agent's file. Only the team's
/// own agents: another team's agent is not found, exactly like a missing one.
struct TeamAgentDirectory: AgentDirectory {
    let store: any AgentStore
    let team: String

    func agent(_ reference: String) async throws -> (name: String, agent: Agent)? {
        do {
            if let name = AgentLibrary.name(reference), let stored = try await store.agent(team: team, name: name) {
                return (stored.name, try parse(stored))
            }
            // By id: the team's agents are few, and an AgentPlugin names one by its Studio id.
            for name in try await store.agentNames(team: team) {
                guard let stored = try await store.agent(team: team, name: name),
                    let agent = try? parse(stored), agent.id == reference
                else { continue }
                return (stored.name, agent)
            }
            return nil
        } catch let error as VaultError {
            throw ComponentError(message: "the team's agents cannot be read: \(error.message)")
        }
    }

    private func parse(_ stored: StoredAgent) throws -> Agent {
        do { return try AgentLibrary.parse(Array(stored.body), name: stored.name) } catch {
            throw ComponentError(message: "agent \(stored.name) does not load: \(error.description)")
        }
    }
}
