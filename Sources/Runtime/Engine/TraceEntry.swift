import Foundation
import OAuthCore
import Vault

/// One component's part in a run.
public struct TraceEntry: Sendable {
    /// The component's id.
    public let componentID: String
    /// The component's type (`APICall`, `FHash`...).
    public let type: String
    /// The component's title.
    public let title: String
    /// Whether the component finished without an error.
    public let succeeded: Bool
    /// The error, with vault values masked, when it failed.
    public let error: String?
    /// When the component started, since the start of the run.
    public let startedAt: Duration
    /// How long the component ran.
    public let duration: Duration
    /// The names of the inputs that arrived, sorted.
    public let inputNames: [String]
    /// For HTTP steps: the request and response, redacted (no query values, header values
    /// or bodies).
    public let http: JSONValue?
    /// For LLM steps: the provider, model, connection, attempts, time spent waiting on rate
    /// limits, the finish reason and the token usage of the call.
    public let llm: JSONValue?
    /// Where the component ran when not in the agent's own flow: `job ID` for an Async's
    /// job, `agent NAME` for an agent an AgentPlugin called.
    public let scope: String?

    /// The output key under which a component hands its trace details to the engine.
    static let key = "_trace"
    /// The output key under which an LLM step hands the engine its call's details.
    static let llmKey = "_llm"

    /// Takes the trace and LLM details out of a component's outputs (they go to its trace
    /// entry, not along its connections). Outputs without them are left alone: not copied.
    static func removeDetails(from outputs: inout [String: JSONValue]) {
        if outputs[key] != nil { outputs[key] = nil }
        if outputs[llmKey] != nil { outputs[llmKey] = nil }
    }

    /// The entry of a finished component, with every vault value the run rendered masked.
    init(_ finished: Executor.Finished, of component: Component, redactor: VaultValueRedactor, scope: String?) {
        self.scope = scope
        componentID = component.id
        type = component.type
        title = component.title
        switch finished.result {
        case .failure(let error):
            succeeded = false
            self.error = redactor.redact(String(describing: error))
            http = (error as? ComponentError)?.outputs[Self.key].map(redactor.redact)
            llm = (error as? ComponentError)?.outputs[Self.llmKey].map(redactor.redact)
        case .success(let outputs):
            succeeded = true
            error = nil
            http = outputs[Self.key].map(redactor.redact)
            llm = outputs[Self.llmKey].map(redactor.redact)
        }
        startedAt = finished.startedAt
        duration = finished.duration
        inputNames = finished.inputs.keys.sorted()
    }
}
