import Synchronization

/// What one run has used so far of its `RunLimits`, shared by every component of the run
/// (branches and loop bodies run concurrently, hence the lock). Each `take…` either books
/// the use or throws the `RunError.limitExceeded` that ends the run.
final class RunBudget: Sendable {
    let limits: RunLimits
    /// When the run's wall time runs out: a wait that would end later (an LLM provider's
    /// `Retry-After`) gives up at once instead of being cut off by the limit.
    let deadline: ContinuousClock.Instant

    private struct Used {
        var components = 0
        var forEachItems = 0
        var sleep: Duration = .zero
        /// Components started and not finished: what a run that runs out of time was doing.
        var running: [String] = []
    }

    private let used = Mutex(Used())

    init(limits: RunLimits) {
        self.limits = limits
        // Capped like the executor's timer, so the sum cannot overflow.
        deadline = ContinuousClock.now + min(limits.wallTime, RunLimits.longestDuration)
    }

    /// Books one execution of `component`.
    func startComponent(_ component: Component) throws(RunError) {
        let allowed = used.withLock { used -> Bool in
            guard used.components < limits.maxComponentsExecuted else { return false }
            used.components += 1
            used.running.append(component.id)
            return true
        }
        guard allowed else {
            throw .limitExceeded(
                limit: .componentsExecuted, componentID: component.id,
                message: "the run reached its limit of \(limits.maxComponentsExecuted) component executions "
                    + "(\(RunLimit.componentsExecuted.flag)) before \(component.type) \(component.id)")
        }
    }

    /// Marks `component` as no longer running.
    func finishComponent(_ component: Component) {
        used.withLock { used in
            if let position = used.running.lastIndex(of: component.id) { used.running.remove(at: position) }
        }
    }

    /// The ids of the components running now, oldest first.
    var running: [String] { used.withLock { $0.running } }

    /// Books `count` items of the ForEach `component`.
    func takeForEachItems(_ count: Int, for component: Component) throws(RunError) {
        let total = used.withLock { used -> Int? in
            // Both are at most the limit or a collection's count: the sum cannot overflow.
            let total = used.forEachItems + count
            guard total <= limits.maxForEachItems else { return nil }
            used.forEachItems = total
            return total
        }
        guard total != nil else {
            throw .limitExceeded(
                limit: .forEachItems, componentID: component.id,
                message: "ForEach \(component.id) has \(count) items, which would take the run over its limit of "
                    + "\(limits.maxForEachItems) ForEach items (\(RunLimit.forEachItems.flag))")
        }
    }

    /// Books a sleep of `seconds` (already finite and non-negative) for the FSleep `component`
    /// and returns it as a duration.
    func takeSleep(seconds: Double, for component: Component) throws(RunError) -> Duration {
        let ceiling = min(limits.maxTotalSleep, RunLimits.longestDuration)
        let booked = used.withLock { used -> Duration? in
            let remaining = ceiling - used.sleep
            guard seconds <= SafeNumbers.seconds(of: remaining) else { return nil }
            let duration = SafeNumbers.duration(seconds: seconds, ceiling: remaining)
            used.sleep += duration
            return duration
        }
        guard let booked else {
            throw .limitExceeded(
                limit: .totalSleep, componentID: component.id,
                message:
                    "FSleep \(component.id) asks for \(Self.describe(seconds)) s, which would take the run over its limit of "
                    + "\(Self.describe(SafeNumbers.seconds(of: limits.maxTotalSleep))) s of sleep (\(RunLimit.totalSleep.flag))"
            )
        }
        return booked
    }

    /// A number of seconds for a message: whole numbers without a fraction.
    static func describe(_ seconds: Double) -> String {
        JSONWriter.number(seconds)
    }
}
