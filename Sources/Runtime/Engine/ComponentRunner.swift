import OAuthCore
import Vault

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
