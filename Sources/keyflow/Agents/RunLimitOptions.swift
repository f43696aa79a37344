import ArgumentParser
import Runtime

/// The per-run limits, as flags of `keyflow run` and `keyflow serve` (defaults in `RunLimits`).
struct RunLimitOptions: ParsableArguments {
    @Option(help: "The longest one run may take, in seconds.")
    var maxRunSeconds: Double = SafeNumbers.seconds(of: RunLimits.defaults.wallTime)
    @Option(help: "How many component executions one run may make, loop iterations included.")
    var maxComponents: Int = RunLimits.defaults.maxComponentsExecuted
    @Option(
        name: .customLong("max-foreach-items"),
        help: "How many items the ForEach loops of one run may go through, together.")
    var maxForEachItems: Int = RunLimits.defaults.maxForEachItems
    @Option(help: "How long the FSleep steps of one run may wait, together, in seconds.")
    var maxSleepSeconds: Double = SafeNumbers.seconds(of: RunLimits.defaults.maxTotalSleep)
    @Option(help: "The largest response body an APICall may receive, in bytes; reading stops there.")
    var maxResponseBytes: Int = RunLimits.defaults.maxResponseBytes

    func validate() throws {
        guard maxRunSeconds.isFinite, maxRunSeconds > 0 else {
            throw ValidationError("--max-run-seconds must be a number of seconds above 0")
        }
        guard maxSleepSeconds.isFinite, maxSleepSeconds >= 0 else {
            throw ValidationError("--max-sleep-seconds must be a number of seconds, 0 or more")
        }
        guard maxComponents >= 1 else { throw ValidationError("--max-components must be 1 or more") }
        guard maxForEachItems >= 0 else { throw ValidationError("--max-foreach-items must be 0 or more") }
        guard maxResponseBytes >= 0 else { throw ValidationError("--max-response-bytes must be 0 or more") }
    }

    /// The limits these flags set; durations longer than a day are clamped to a day.
    var limits: RunLimits {
        var limits = RunLimits.defaults
        limits.wallTime = SafeNumbers.duration(seconds: maxRunSeconds)
        limits.maxComponentsExecuted = maxComponents
        limits.maxForEachItems = maxForEachItems
        limits.maxTotalSleep = SafeNumbers.duration(seconds: maxSleepSeconds)
        limits.maxResponseBytes = maxResponseBytes
        return limits
    }
}
