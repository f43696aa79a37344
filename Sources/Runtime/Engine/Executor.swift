import Foundation

/// Runs an agent: starting at one APIEndpoint, a component runs as soon as its required
/// inputs have arrived, independent branches run concurrently, a failure goes to the
/// component's `_error` output when it has one (and fails the run otherwise), and the run
/// ends when an APIOutput has produced the result or nothing else can run.
public struct Executor: Sendable {
    public let agent: PreparedAgent
    /// The longest a component may run; a component's own `timeout` setting wins.
    public var componentTimeout: Duration = .seconds(120)

    public init(agent: PreparedAgent) {
        self.agent = agent
    }

    /// Runs from the endpoint named `endpoint` (or the only one) with `inputs`.
    public func run(endpoint: String?, inputs: JSONObject, context: RunEnvironment,
                    observer: (@Sendable (TraceEntry) -> Void)? = nil) async throws(RunError) -> RunResult {
        let start = try agent.endpoint(named: endpoint)
        var state = RunState(agent: agent)
        var trace: [TraceEntry] = []
        var result: JSONValue?
        let clock = ContinuousClock()
        let runStarted = clock.now

        let outcome: RunError? = await withTaskGroup(of: Finished.self) { group -> RunError? in
            func launch(_ component: Component, inputs: [String: JSONValue]) {
                state.started.insert(component.id)
                let runner = agent.runners[component.id]
                let timeout = agent.timeouts[component.id] ?? componentTimeout
                let runContext = context.context(for: component)
                group.addTask {
                    let began = clock.now
                    do {
                        guard let runner else { throw ComponentError(message: "no runner for \(component.type)") }
                        let outputs = try await Self.withTimeout(timeout) { try await runner.run(inputs, context: runContext) }
                        return Finished(component: component, inputs: inputs, result: .success(outputs), duration: clock.now - began,
                                        startedAt: began - runStarted)
                    } catch {
                        return Finished(component: component, inputs: inputs, result: .failure(error), duration: clock.now - began,
                                        startedAt: began - runStarted)
                    }
                }
            }

            launch(start, inputs: inputs.reduce(into: [:]) { $0[$1.key] = $1.value })
            while let finished = await group.next() {
                let entry = TraceEntry(finished)
                trace.append(entry)
                observer?(entry)
                switch finished.result {
                case .success(let outputs):
                    if finished.component.type == "APIOutput" {
                        result = APIOutput.result(finished.component, outputs: outputs)
                        group.cancelAll()
                        return nil
                    }
                    state.deliver(outputs, from: finished.component)
                case .failure(let error):
                    if error is CancellationError { group.cancelAll(); return .cancelled }
                    guard agent.hasErrorBranch(finished.component) else {
                        group.cancelAll()
                        return .componentFailed(component: finished.component.label, type: finished.component.type,
                                                message: String(describing: error))
                    }
                    // What the component produced before failing (an API's error response)
                    // flows on with the error, as in SmythOS.
                    var outputs = (error as? ComponentError)?.outputs ?? [:]
                    outputs["_error"] = ComponentError.value(of: error)
                    state.deliver(outputs, from: finished.component)
                }
                for (component, inputs) in state.takeReady() { launch(component, inputs: inputs) }
            }
            return nil
        }
        if let outcome { throw outcome }
        if Task.isCancelled { throw .cancelled }
        return RunResult(output: result ?? state.lastOutputs(), trace: trace)
    }

    struct Finished: Sendable {
        let component: Component
        let inputs: [String: JSONValue]
        let result: Result<[String: JSONValue], any Error>
        let duration: Duration
        let startedAt: Duration
    }

    static func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ComponentError(message: "timed out after \(timeout.components.seconds) s")
            }
            return value
        }
    }
}

/// Everything a run needs from outside the graph: variables, vault keys, HTTP.
public struct RunEnvironment: Sendable {
    public var variables: JSONObject
    public var keys: @Sendable (String) throws -> String?
    public var http: (any AgentHTTP)?

    public init(variables: JSONObject = JSONObject(), keys: @escaping @Sendable (String) throws -> String? = { _ in nil }, http: (any AgentHTTP)? = nil) {
        self.variables = variables
        self.keys = keys
        self.http = http
    }

    func context(for component: Component) -> RunContext {
        RunContext(variables: variables, keys: keys, http: http, component: component)
    }
}

/// The result of a run: the APIOutput's value (or, without one, the last outputs) and what
/// each component did.
public struct RunResult: Sendable {
    public let output: JSONValue
    public let trace: [TraceEntry]
}

/// One component's part in a run.
public struct TraceEntry: Sendable {
    public let componentID: String
    public let type: String
    public let title: String
    public let succeeded: Bool
    public let error: String?
    public let startedAt: Duration
    public let duration: Duration
    public let inputNames: [String]

    init(_ finished: Executor.Finished) {
        componentID = finished.component.id
        type = finished.component.type
        title = finished.component.title
        if case .failure(let error) = finished.result {
            succeeded = false
            self.error = String(describing: error)
        } else {
            succeeded = true
            error = nil
        }
        startedAt = finished.startedAt
        duration = finished.duration
        inputNames = finished.inputs.keys.sorted()
    }
}

/// Why a run failed.
public enum RunError: Error, Sendable, Equatable, CustomStringConvertible {
    case noEndpoint(String)
    case componentFailed(component: String, type: String, message: String)
    case cancelled

    public var description: String {
        switch self {
        case .noEndpoint(let reason): return reason
        case .componentFailed(let component, let type, let message): return "\(type) \(component) failed: \(message)"
        case .cancelled: return "the run was cancelled"
        }
    }
}

/// A component's failure; `value(of:)` is what an `_error` branch receives.
public struct ComponentError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var status: Int?
    public var body: JSONValue?
    /// Outputs that still flow on (an API's `Response` and `Headers` on a non-2xx).
    public var outputs: [String: JSONValue]

    public init(message: String, status: Int? = nil, body: JSONValue? = nil, outputs: [String: JSONValue] = [:]) {
        self.message = message
        self.status = status
        self.body = body
        self.outputs = outputs
    }

    public var description: String { message }

    static func value(of error: Error) -> JSONValue {
        var object = JSONObject([("message", .string(String(describing: error)))])
        if let error = error as? ComponentError {
            if let status = error.status { object["status"] = .number(Double(status)) }
            if let body = error.body { object["body"] = body }
        }
        return .object(object)
    }
}
