import Foundation
import OAuthCore
import Vault

/// Everything a run needs from outside the graph: variables, vault keys, the network and the
/// team's token broker.
public struct RunEnvironment: Sendable {
    /// Agent variables, for templates.
    public var variables: JSONObject
    /// Resolves `{{KEY(NAME)}}` to a vault key's value, nil when there is none.
    public var keys: @Sendable (String) throws -> String?
    /// The network under APICalls (they wrap it in an `AuthorizingTransport`).
    public var http: (any HTTPTransport)?
    /// The team's token broker, shared by every run of the process.
    public var broker: TokenBroker?
    /// The agents an AgentPlugin may call (nil: none).
    public var agents: AgentCalls?

    /// An environment with these variables, keys, network and broker.
    public init(
        variables: JSONObject = JSONObject(), keys: @escaping @Sendable (String) throws -> String? = { _ in nil },
        http: (any HTTPTransport)? = nil, broker: TokenBroker? = nil
    ) {
        self.variables = variables
        self.keys = keys
        self.http = http
        self.broker = broker
    }

    func context(for component: Component, budget: RunBudget, jobs: BackgroundJobs) -> RunContext {
        var context = RunContext(variables: variables, keys: keys, http: http, broker: broker, component: component)
        context.budget = budget
        context.jobs = jobs
        return context
    }
}
