import Runtime
import Vault

extension AgentGraphSVG {
    /// The graph as the agent and run pages show it: its APICalls badged from the viewing
    /// team's vault (`vault` is that team's, never another's), coloured by `run` when there was one.
    static func html(of agent: Agent, title: String, vault: Vault, run: GraphOutcomes.Run?) async throws -> String {
        // Too big to draw: no need to read the vault for badges.
        let drawn = agent.components.count <= maxComponents && agent.links.count <= maxConnections
        let badges = drawn ? try await OAuthBadge.badges(of: agent, vault: vault) : [:]
        let outcomes = run.map { GraphOutcomes(agent: agent, trace: $0.trace, succeeded: $0.succeeded) }
        return AgentGraphSVG(title: title, agent: agent, badges: badges, outcomes: outcomes).html
    }
}
