/// Which limit a run went over, as `RunError.limitExceeded` reports it: the words for
/// people and the flag that raises it.
public enum RunLimit: String, Sendable, Equatable, CaseIterable {
    case wallTime, componentsExecuted, forEachItems, totalSleep, responseBytes, concurrentRuns

    /// The flag of `keyflow run` and `keyflow serve` that sets this limit.
    public var flag: String {
        switch self {
        case .wallTime: return "--max-run-seconds"
        case .componentsExecuted: return "--max-components"
        case .forEachItems: return "--max-foreach-items"
        case .totalSleep: return "--max-sleep-seconds"
        case .responseBytes: return "--max-response-bytes"
        case .concurrentRuns: return "--max-concurrent-runs"
        }
    }
}
