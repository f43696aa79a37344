import ServiceContextModule
import Synchronization

/// Who is behind a use of the Vault, carried in swift-service-context's `ServiceContext`: the
/// same task-local carrier that log metadata and trace spans read, so one value set where a run
/// starts (or where a request is authenticated) reaches the Vault layer, the logs and the spans
/// without being passed through every call.
public struct Attribution: Sendable, Hashable, Codable {
    /// Who started the work: `user:NAME`, `token:NAME` (an API token), `cli:USER` or `worker`.
    public var actor: String?
    /// The agent running (its name in the team's library, or the file for `keyflow run`).
    public var agent: String?
    /// The component of the agent being executed.
    public var component: String?
    /// The run's id.
    public var run: String?

    /// An attribution with any of its parts.
    public init(actor: String? = nil, agent: String? = nil, component: String? = nil, run: String? = nil) {
        self.actor = actor
        self.agent = agent
        self.component = component
        self.run = run
    }

    /// The attribution of the current task: what the nearest `ServiceContext` holds, with
    /// `processActor` as the actor when the context names none.
    public static var current: Attribution {
        guard let context = ServiceContext.current else { return Attribution(actor: processActor) }
        return Attribution(
            actor: context[ActorKey.self] ?? processActor, agent: context[AgentKey.self],
            component: context[ComponentKey.self], run: context[RunKey.self])
    }

    /// The actor of everything this process does on its own behalf (`cli:USER` for the CLI),
    /// set once at start; nil in a server, where each request names its own.
    public static var processActor: String? {
        get { defaultActor.withLock { $0 } }
        set { defaultActor.withLock { $0 = newValue } }
    }
    private static let defaultActor = Mutex<String?>(nil)

    enum ActorKey: ServiceContextKey {
        typealias Value = String
        static var nameOverride: String? { "keyflow.actor" }
    }
    enum AgentKey: ServiceContextKey {
        typealias Value = String
        static var nameOverride: String? { "keyflow.agent" }
    }
    enum ComponentKey: ServiceContextKey {
        typealias Value = String
        static var nameOverride: String? { "keyflow.component" }
    }
    enum RunKey: ServiceContextKey {
        typealias Value = String
        static var nameOverride: String? { "keyflow.run" }
    }
}

extension ServiceContext {
    /// Who started the work (see `Attribution.actor`).
    public var keyflowActor: String? {
        get { self[Attribution.ActorKey.self] }
        set { self[Attribution.ActorKey.self] = newValue }
    }
    /// The agent running (see `Attribution.agent`).
    public var keyflowAgent: String? {
        get { self[Attribution.AgentKey.self] }
        set { self[Attribution.AgentKey.self] = newValue }
    }
    /// The component being executed (see `Attribution.component`).
    public var keyflowComponent: String? {
        get { self[Attribution.ComponentKey.self] }
        set { self[Attribution.ComponentKey.self] = newValue }
    }
    /// The run's id (see `Attribution.run`).
    public var keyflowRun: String? {
        get { self[Attribution.RunKey.self] }
        set { self[Attribution.RunKey.self] = newValue }
    }
}

extension Attribution {
    /// Runs `body` with `change` applied to the current `ServiceContext` (or a new top-level
    /// one): how a run, a component or an authenticated request says who it is.
    public static func with<T, E: Error>(
        _ change: (inout ServiceContext) -> Void, _ body: () async throws(E) -> T
    ) async throws(E) -> T {
        var context = ServiceContext.current ?? .topLevel
        change(&context)
        let result: Result<T, E> = await ServiceContext.withValue(context) {
            do throws(E) { return .success(try await body()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Runs `body` with the parts `adding` names (its non-nil fields) set in the current
    /// `ServiceContext`; the other parts stay as they were.
    public static func with<T, E: Error>(_ adding: Attribution, _ body: () async throws(E) -> T) async throws(E) -> T {
        try await with(
            { context in
                if let actor = adding.actor { context.keyflowActor = actor }
                if let agent = adding.agent { context.keyflowAgent = agent }
                if let component = adding.component { context.keyflowComponent = component }
                if let run = adding.run { context.keyflowRun = run }
            }, body)
    }
}
