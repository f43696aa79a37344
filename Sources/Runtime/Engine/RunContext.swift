import OAuthCore
import Vault

/// What a running component may use besides its inputs.
public struct RunContext: Sendable {
    /// Agent variables, for templates.
    public let variables: JSONObject
    /// Vault keys for `{{KEY(NAME)}}`.
    public let keys: @Sendable (String) throws -> String?
    /// The network under APICalls, with the run's response size limit (nil: no HTTP).
    public let http: (any HTTPTransport)?
    /// The team's token broker, for APICalls that name a connection (nil: no vault open).
    public let broker: TokenBroker?
    /// The component being run, for messages.
    public let component: Component
    /// The run's limits and what it has used of them; nil outside a run (a runner tested alone).
    var budget: RunBudget?
    /// The jobs the run's Async components started, for Await; nil outside a run.
    var jobs: BackgroundJobs?

    /// A context for running `component` with these variables, keys and network.
    public init(
        variables: JSONObject, keys: @escaping @Sendable (String) throws -> String?, http: (any HTTPTransport)?,
        broker: TokenBroker? = nil, component: Component
    ) {
        self.variables = variables
        self.keys = keys
        self.http = http
        self.broker = broker
        self.component = component
    }

    /// The transport an APICall sends through: the one authorized path (origin check,
    /// credential, 401 retry, redirect rules), with `connection`'s credential when one is named.
    func transport(connection: String?) throws -> AuthorizingTransport {
        guard let http else { throw ComponentError(message: "no HTTP client is available") }
        guard let connection else { return AuthorizingTransport(base: http, credentials: nil) }
        guard let broker else { throw ComponentError(message: "connection \(connection) is set but no vault is open") }
        return AuthorizingTransport(
            base: http, credentials: ConnectionCredentials(broker: broker, connection: connection))
    }

    /// Resolves a template path against the inputs first, then the agent variables.
    public func resolve(_ path: ValuePath, inputs: [String: JSONValue]) -> JSONValue? {
        if let input = inputs[path.root] { return ValuePath.follow(path.rest, in: input) }
        if let variable = variables[path.root] { return ValuePath.follow(path.rest, in: variable) }
        return nil
    }

    /// Renders a template with this context.
    public func render(_ template: Template, _ escaping: Template.Context, inputs: [String: JSONValue]) throws -> String
    {
        try template.render(escaping, value: { resolve($0, inputs: inputs) }, key: keys)
    }
}
