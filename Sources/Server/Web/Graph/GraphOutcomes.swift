import Runtime

/// What one run did to each component, for colouring the graph: read from the run's trace
/// (`TraceJSON`), which lists only the components that ran. A component that did not run was
/// skipped when the run succeeded and something feeding it ran (its branch was not taken,
/// or the run had its answer without it), and not reached otherwise (the run stopped first,
/// or nothing led to it, like another endpoint).
struct GraphOutcomes {
    /// One component's outcome.
    struct Outcome: Equatable {
        /// How it went; the raw value is the CSS class suffix and the words shown.
        enum State: String {
            case ok
            case failed
            case skipped
            case notReached = "not reached"

            /// The CSS class of a node in this state.
            var cssClass: String { "outcome-" + rawValue.replacingOccurrences(of: " ", with: "-") }
        }

        var state: State
        /// Its time over every execution (a ForEach body runs once per item); nil when it did not
        /// run or the trace predates recorded times.
        var milliseconds: Double?
        /// How often it ran.
        var executions: Int

        /// "ok · 12 ms", "failed · 0.4 ms ×3", "skipped".
        var summary: String {
            var text = state.rawValue
            if let milliseconds { text += " · " + Self.format(milliseconds) + " ms" }
            if executions > 1 { text += " ×\(executions)" }
            return text
        }

        /// Tenths under 10 ms, whole milliseconds above (the value is clamped, so never traps).
        static func format(_ milliseconds: Double) -> String {
            let value = min(max(milliseconds.isNaN ? 0 : milliseconds, 0), 1e12)
            if value < 10 {
                let tenths = Int((value * 10).rounded())
                return "\(tenths / 10).\(tenths % 10)"
            }
            return String(Int(value.rounded()))
        }
    }

    /// What a run kept that the graph needs.
    struct Run {
        /// The trace as the run's record keeps it.
        var trace: [JSONValue]
        /// False for a failed or cancelled run.
        var succeeded: Bool
    }

    /// Each component's outcome, by id.
    let byComponent: [String: Outcome]

    /// A finished (or answered) run's outcomes. `succeeded` is false for a failed or
    /// cancelled run; `trace` is its record's trace.
    init(agent: Agent, trace: [JSONValue], succeeded: Bool) {
        var outcomes: [String: Outcome] = [:]
        for entry in trace {
            guard let object = entry.objectValue, let id = object["component"]?.stringValue else { continue }
            // The steps of an agent an AgentPlugin called are that agent's components, not these.
            if object["scope"]?.stringValue?.hasPrefix("agent ") == true { continue }
            let failed = object["status"]?.stringValue != "succeeded"
            let time = object["duration_ms"]?.numberValue.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            var outcome = outcomes[id] ?? Outcome(state: .ok, milliseconds: nil, executions: 0)
            if failed { outcome.state = .failed }
            if let time { outcome.milliseconds = (outcome.milliseconds ?? 0) + time }
            outcome.executions += 1
            outcomes[id] = outcome
        }
        var fedByARun = Set<String>()
        if succeeded {
            for link in agent.links where outcomes[link.sourceID]?.state == .ok { fedByARun.insert(link.targetID) }
        }
        for component in agent.components where outcomes[component.id] == nil {
            let state: Outcome.State = fedByARun.contains(component.id) ? .skipped : .notReached
            outcomes[component.id] = Outcome(state: state, milliseconds: nil, executions: 0)
        }
        byComponent = outcomes
    }
}
