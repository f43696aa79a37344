import OAuthCore
import Synchronization
import Vault

/// Where an AgentPlugin finds the agent it calls: the team's agents under `keyflow serve`,
/// the agent files of a folder under `keyflow run`.
public protocol AgentDirectory: Sendable {
    /// The agent `reference` names (the agent's `id` or its name), with the name it is known
    /// by here; nil when there is none.
    func agent(_ reference: String) async throws -> (name: String, agent: Agent)?
}

/// What a run needs to call other agents: where to find them, the name of the agent it
/// started with (the first link of the chain a cycle is looked for in), and how an agent
/// is made ready, the same way as the run's own (pre-flight on the same vault, the same
/// network and limits).
public struct AgentCalls: Sendable {
    /// Where the agents are found.
    public let directory: any AgentDirectory
    /// The name of the agent the run started with, as the directory knows it.
    public let root: String
    let session: @Sendable (Agent) async throws -> AgentSession
    /// The agents already made ready in this run, by the reference that named them: a loop
    /// that calls an agent 1,000 times looks it up, checks and prepares it once.
    let ready: ReadyAgents

    final class ReadyAgents: Sendable {
        private let byReference = Mutex<[String: (name: String, session: AgentSession)]>([:])

        func get(_ reference: String) -> (name: String, session: AgentSession)? {
            byReference.withLock { $0[reference] }
        }

        func set(_ reference: String, _ value: (name: String, session: AgentSession)) {
            byReference.withLock { $0[reference] = value }
        }
    }

    /// How deep agents may call agents: the run's own agent is depth 1.
    public static let maxDepth = 8
}
