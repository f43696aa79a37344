/// How much one run of an agent may use. An agent file and its inputs come from people the
/// process does not trust with its uptime (another team's author, an endpoint's caller), so
/// every way a run can grow, wait or buffer has a ceiling; going over one fails that run
/// with a `RunError.limitExceeded` that names the limit and the component, never the process.
public struct RunLimits: Sendable, Equatable {
    /// The longest a whole run may take, from start to result (`--max-run-seconds`).
    public var wallTime: Duration
    /// How many component executions one run may make, loop iterations included
    /// (`--max-components`). High enough for a 10,000-item loop with a few steps per item.
    public var maxComponentsExecuted: Int
    /// How many items all ForEach loops of one run may iterate over, together (`--max-foreach-items`).
    public var maxForEachItems: Int
    /// How long all FSleep steps of one run may wait, together (`--max-sleep-seconds`).
    public var maxTotalSleep: Duration
    /// The largest response body one APICall request may receive; reading stops there (`--max-response-bytes`).
    public var maxResponseBytes: Int
    /// How many runs one team may have in progress at once on a server (`--max-concurrent-runs`).
    public var maxConcurrentRunsPerTeam: Int

    /// The documented defaults: 60 s, 100,000 components, 10,000 ForEach items, 300 s of
    /// sleep, 10 MiB per response body, 4 concurrent runs per team.
    public init(
        wallTime: Duration = .seconds(60), maxComponentsExecuted: Int = 100_000, maxForEachItems: Int = 10_000,
        maxTotalSleep: Duration = .seconds(300), maxResponseBytes: Int = 10 << 20, maxConcurrentRunsPerTeam: Int = 4
    ) {
        self.wallTime = wallTime
        self.maxComponentsExecuted = maxComponentsExecuted
        self.maxForEachItems = maxForEachItems
        self.maxTotalSleep = maxTotalSleep
        self.maxResponseBytes = maxResponseBytes
        self.maxConcurrentRunsPerTeam = maxConcurrentRunsPerTeam
    }

    /// The longest any single limit on time may be: a day. Longer settings are clamped, so
    /// that no deadline computed from them can overflow.
    public static let longestDuration: Duration = .seconds(86_400)

    /// The limits of `keyflow run` and `keyflow serve` when no flag changes them.
    public static let defaults = RunLimits()
}
