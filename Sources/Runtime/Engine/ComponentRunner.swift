/// What a component type does once its inputs have arrived. Runners are prepared once per
/// agent (templates parsed, config checked) and then run any number of times.
public protocol ComponentRunner: Sendable {
    /// Runs with the values that arrived on the component's inputs, by port name; returns
    /// the values of its outputs, by port name. Path outputs (`Response.items[0]`) are
    /// derived by the engine from the output they start with.
    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue]
    /// True when a run may wait on something outside the process (the network, a timer), so
    /// the executor enforces the component's timeout on it.
    var mayWait: Bool { get }
    /// True when every wait of a run already has a deadline of its own (each HTTP request
    /// carries its timeout), so the executor's timer, a task and a sleeping task per run,
    /// would only add work.
    var boundsItsOwnWaits: Bool { get }
}

extension ComponentRunner {
    /// By default a runner does not wait on anything outside the process.
    public var mayWait: Bool { false }
    /// By default the executor bounds a runner's waits with its timer.
    public var boundsItsOwnWaits: Bool { false }
}

/// What a running component may use besides its inputs.
public struct RunContext: Sendable {
    /// Agent variables, for templates.
    public let variables: JSONObject
    /// Vault keys for `{{KEY(NAME)}}`.
    public let keys: @Sendable (String) throws -> String?
    /// The HTTP seam with the OAuth broker behind it (APICall).
    public let http: (any AgentHTTP)?
    /// The component being run, for messages.
    public let component: Component
    /// The run's limits and what it has used of them; nil outside a run (a runner tested alone).
    var budget: RunBudget?

    public init(variables: JSONObject, keys: @escaping @Sendable (String) throws -> String?, http: (any AgentHTTP)?, component: Component) {
        self.variables = variables
        self.keys = keys
        self.http = http
        self.component = component
    }

    /// Resolves a template path against the inputs first, then the agent variables.
    public func resolve(_ path: ValuePath, inputs: [String: JSONValue]) -> JSONValue? {
        if let input = inputs[path.root] { return ValuePath.follow(path.rest, in: input) }
        if let variable = variables[path.root] { return ValuePath.follow(path.rest, in: variable) }
        return nil
    }

    /// Renders a template with this context.
    public func render(_ template: Template, _ escaping: Template.Context, inputs: [String: JSONValue]) throws -> String {
        try template.render(escaping, value: { resolve($0, inputs: inputs) }, key: keys)
    }
}

/// How components send HTTP requests: the runtime's implementation authorizes them with a
/// saved connection when one is named, and never follows redirects across origins with
/// credentials.
public protocol AgentHTTP: Sendable {
    func send(_ request: AgentHTTPRequest) async throws -> AgentHTTPResponse
}

public struct AgentHTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    public var timeout: Duration
    /// The vault connection to authorize with, if any.
    public var connectionID: String?
    /// Sign the body with `oauth_body_hash` (OAuth 1.0a connections that ask for it).
    public var bodyHash: Bool

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                timeout: Duration = .seconds(30), connectionID: String? = nil, bodyHash: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectionID = connectionID
        self.bodyHash = bodyHash
    }
}

public struct AgentHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
