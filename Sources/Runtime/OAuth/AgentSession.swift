import OAuthCore
import Vault

/// An agent made ready to run with its OAuth sections resolved: pre-flight, then the
/// runners, then the environment (vault keys, the authorizing HTTP client). Shared by
/// `keyflow run` and the server's run endpoint.
public struct AgentSession: Sendable {
    /// The agent with its runners, ready to execute.
    public let prepared: PreparedAgent
    /// What the run uses from outside: variables, vault keys, the network and the team's broker.
    public let environment: RunEnvironment
    /// What pre-flight resolved: each APICall's connection, and the Add New connections it created.
    public let resolution: Preflight.Resolution

    /// True when the agent uses OAuth sections, vault keys or models, so a vault must be opened.
    public static func needsVault(_ agent: Agent) -> Bool {
        agent.components.contains { component in
            let conID = component.data["oauth_con_id"]?.stringValue ?? ""
            let service = component.data["oauthService"]?.stringValue ?? ""
            let usesOAuth =
                component.type == "APICall"
                && ((!conID.isEmpty && conID != "None") || !OAuthSection.noService.contains(service))
            return usesOAuth || component.data.contains { JSONWriter.string($0.value).contains("{{KEY(") }
        } || JSONWriter.string(.object(agent.variables)).contains("{{KEY(") || AgentInspection.usesModels(agent)
    }

    /// Resolves (pre-flight, throwing `PreflightError`) and prepares (throwing `PrepareError`).
    /// `broker` is the team's token broker, which hands out credentials and holds the vault;
    /// a server passes the one it keeps for the team, so every run shares its cache and its
    /// single refresh. The APICalls' responses are read up to `limits.maxResponseBytes`.
    /// `agents` are the agents its AgentPlugins may call; `name` is this agent's name among them.
    public static func make(
        agent: Agent, broker: TokenBroker?, transport: any HTTPTransport,
        login: (@Sendable (Connection) async throws -> Void)?,
        limits: RunLimits = .defaults, agents: (any AgentDirectory)? = nil, name: String? = nil
    ) async throws -> AgentSession {
        try await make(
            agent: agent, broker: broker, transport: transport, login: login, limits: limits, agents: agents,
            name: name,
            ready: AgentCalls.ReadyAgents())
    }

    /// `ready`: the agents the run has made ready so far, shared by every agent it calls.
    static func make(
        agent: Agent, broker: TokenBroker?, transport: any HTTPTransport,
        login: (@Sendable (Connection) async throws -> Void)?, limits: RunLimits, agents: (any AgentDirectory)?,
        name: String?, ready: AgentCalls.ReadyAgents
    ) async throws -> AgentSession {
        var resolution = Preflight.Resolution()
        let vault = broker?.vault
        if let broker {
            resolution = try await Preflight(vault: broker.vault, broker: broker, login: login)
                .resolve(agent, agentID: AgentInspection.agentID(of: agent))
        }
        let prepared = try AgentPreparer.prepare(agent, connections: resolution.connections)
        // Templates render synchronously, so the keys they name are read before the run.
        let snapshot =
            if let vault { await VaultKeySnapshot(vault: vault, names: keyNames(in: agent)) } else {
                VaultKeySnapshot()
            }
        let network = ResponseSizeLimit(base: transport, maxResponseBytes: limits.maxResponseBytes)
        var environment = RunEnvironment(
            variables: agent.variables, keys: { try snapshot.value($0) }, http: network, broker: broker)
        if let agents {
            // An agent it calls is made ready like this one: same vault, network, login and limits.
            environment.agents = AgentCalls(
                directory: agents, root: name ?? AgentInspection.agentID(of: agent),
                session: { called in
                    try await make(
                        agent: called, broker: broker, transport: transport, login: login, limits: limits,
                        agents: agents, name: nil, ready: ready)
                }, ready: ready)
        }
        return AgentSession(prepared: prepared, environment: environment, resolution: resolution)
    }

    /// Every vault key the agent's strings name: its document, variables and components' data.
    public static func keyNames(in agent: Agent) -> Set<String> {
        var names = VaultKeySnapshot.keyNames(in: agent.document)
        names.formUnion(VaultKeySnapshot.keyNames(in: .object(agent.variables)))
        for component in agent.components { names.formUnion(VaultKeySnapshot.keyNames(in: .object(component.data))) }
        return names
    }
}
