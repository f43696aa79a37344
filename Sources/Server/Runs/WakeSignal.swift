import Synchronization

/// Wakes one waiting loop: `signal` before `wait` is remembered, so a wake-up is never lost
/// between the loop's last look and its sleep.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0

        /// The sleeper to resume now, or, when nobody sleeps yet, a wake-up left for the next wait.
        mutating func wakeUp() -> CheckedContinuation<Void, Never>? {
            guard let waiter else {
                pending = true
                return nil
            }
            self.waiter = nil
            return waiter
        }
    }

    private let state = Mutex(State())

    func signal() {
        state.withLock { $0.wakeUp() }?.resume()
    }

    /// Returns at the next signal (or at once if one came since the last wait), or after `timeout`.
    func wait(upTo timeout: Duration) async {
        let generation = state.withLock { state -> Int? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            // Only this wait's timer counts; not yet asleep, the wait finds it pending.
            self?.state.withLock { state in state.generation == generation ? state.wakeUp() : nil }?.resume()
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }
}
