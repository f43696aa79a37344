/// How often and how long a completion is retried after a 429, a 5xx or a lost connection.
public struct LLMRetryPolicy: Sendable, Equatable {
    /// Requests in all, the first one included (at least 1).
    public var attempts: Int
    /// The wait after the first failure; it doubles after each further one.
    public var initialBackoff: Duration
    /// The longest backoff wait.
    public var maxBackoff: Duration
    /// How much of each backoff wait is random, from 0 (none) to 1: a wait of `b` becomes one
    /// between `b × (1 - jitter)` and `b`, so that runs that failed together do not retry together.
    public var jitter: Double
    /// The longest `Retry-After` honoured: a provider asking for more is waited on for this long.
    public var maxRetryAfter: Duration
    /// How long one request may take before it counts as a transport failure (never more
    /// than the time left before the deadline).
    public var attemptTimeout: Duration

    /// The default: 4 attempts, backoff 0.5 s doubling up to 8 s with 20 % jitter,
    /// `Retry-After` up to 30 s, 120 s per attempt (a long answer takes a while).
    public init(
        attempts: Int = 4, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(8),
        jitter: Double = 0.2, maxRetryAfter: Duration = .seconds(30), attemptTimeout: Duration = .seconds(120)
    ) {
        self.attempts = max(1, attempts)
        self.initialBackoff = max(.zero, initialBackoff)
        self.maxBackoff = max(.zero, maxBackoff)
        self.jitter = jitter.isNaN ? 0 : min(1, max(0, jitter))
        self.maxRetryAfter = max(.zero, maxRetryAfter)
        self.attemptTimeout = max(.zero, attemptTimeout)
    }

    /// The backoff before attempt `failures + 1`, after `failures` (≥ 1) failed ones:
    /// `initialBackoff × 2^(failures-1)`, capped, then jittered with `random` in 0...1.
    func backoff(afterFailures failures: Int, random: Double) -> Duration {
        var wait = initialBackoff
        // Doubling stops at the cap, and after 62 doublings at most: a policy of many attempts
        // neither overflows a Duration nor loops for long.
        for _ in 0..<min(max(0, failures - 1), 62) where wait < maxBackoff { wait = wait * 2 }
        wait = min(wait, maxBackoff)
        let kept = 1 - jitter * min(1, max(0, random.isNaN ? 0 : random))
        return wait * kept
    }

    /// How long to wait for a `Retry-After` of `asked`: no longer than `maxRetryAfter`.
    func wait(forRetryAfter asked: Duration) -> Duration {
        min(asked, maxRetryAfter)
    }
}
