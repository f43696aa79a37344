import Foundation
import Runtime

/// How a worker works: `keyflow worker`'s and `keyflow serve`'s flags.
public struct RunWorkerConfiguration: Sendable {
    /// This worker's name in the runs it holds: host, process id and a random suffix.
    public var id: String
    /// How many runs it executes at once (`--concurrency`).
    public var concurrency: Int
    /// How long a claim holds without a renewal (`--lease`); renewed every third of it. A run
    /// whose worker stopped is taken over this long after its last renewal.
    public var lease: Duration
    /// How many claims a run may have before a lost worker fails it (`--max-attempts`).
    public var maxAttempts: Int
    /// How long ended runs are kept (`--run-retention`).
    public var retention: Duration
    /// How often it looks at the queue when nothing woke it.
    public var pollInterval: Duration
    /// The limits of each run; `maxConcurrentRunsPerTeam` is enforced when claiming.
    public var limits: RunLimits
    /// How long past its wall-time limit a run may go (a step that ignores cancellation)
    /// before its worker fails it and stops waiting for it.
    public var overdueGrace: Duration = .seconds(60)

    /// The defaults: 4 at once, 30 s leases, 3 attempts, 7 days of history, a poll every 2 s.
    public init(
        id: String = RunWorkerConfiguration.newID(), concurrency: Int = 4, lease: Duration = .seconds(30),
        maxAttempts: Int = 3, retention: Duration = .seconds(7 * 86_400), pollInterval: Duration = .seconds(2),
        limits: RunLimits = .defaults
    ) {
        self.id = id
        self.concurrency = concurrency
        self.lease = lease
        self.maxAttempts = maxAttempts
        self.retention = retention
        self.pollInterval = pollInterval
        self.limits = limits
    }

    /// `host:pid:xxxx`, unique per process start.
    public static func newID() -> String {
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }
}
