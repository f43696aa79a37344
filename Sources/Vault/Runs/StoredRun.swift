import Foundation

/// Where a run is in its life. `queued` and `running` are the only states that change again.
public enum RunStatus: String, Sendable, CaseIterable, Codable {
    case queued, running, succeeded, failed, cancelled

    /// Whether the run has ended (succeeded, failed or cancelled).
    public var isFinished: Bool { self != .queued && self != .running }
}

/// One agent run as the store keeps it: who asked for what, where it is, who is working on it,
/// and how it ended. Its request (endpoint, inputs) and result (output, trace) are sealed under
/// a data key of its own, wrapped by the master key like a connection's (`RunSeal`).
public struct StoredRun: Sendable, Equatable {
    /// `run_` and 24 random characters.
    public var id: String
    /// The team whose run it is; every query names it.
    public var team: String
    /// The agent's name.
    public var agent: String
    /// The agent's revision when the run was queued (a later save does not change what it runs).
    public var agentVersion: Int64
    /// The user (or `local`) who queued it.
    public var startedBy: String
    /// Where it is in its life.
    public var status: RunStatus
    /// Why it failed or was cancelled, as a code: `run_failed`, `timeout`, `worker_lost`…
    public var failure: String?
    /// Why it failed or was cancelled, in words (vault values masked).
    public var reason: String?
    /// The id of the master key that wraps `wrappedKey`.
    public var keyID: String
    /// The run's data key, wrapped by the master key; it seals `request` and `result`.
    public var wrappedKey: Data
    /// Sealed `RunRequest`.
    public var request: Data
    /// Sealed `RunRecord` once the run has finished with an output or a trace.
    public var result: Data?
    /// How many times a worker has claimed it.
    public var attempts: Int
    /// The worker holding it.
    public var worker: String?
    /// The token of the claim that holds it: only that claim can record its ending.
    public var claim: String?
    /// Until when the claim holds without a renewal (seconds since 1970).
    public var leaseUntil: Double?
    /// The first request of the current attempt that was neither GET nor HEAD (`POST
    /// https://api.x.com/2/tweets`, no query), recorded before it was sent: a run that has one
    /// is never started again by another worker.
    public var unsafeRequest: String?
    /// Someone asked to cancel it while it ran; its worker stops it.
    public var cancelRequested: Bool
    /// When it was queued (seconds since 1970).
    public var createdAt: Double
    /// When its current attempt was claimed.
    public var startedAt: Double?
    /// When it ended.
    public var finishedAt: Double?

    /// A queued run, before any worker has seen it.
    public init(
        id: String, team: String, agent: String, agentVersion: Int64, startedBy: String, keyID: String,
        wrappedKey: Data, request: Data, createdAt: Double
    ) {
        self.id = id
        self.team = team
        self.agent = agent
        self.agentVersion = agentVersion
        self.startedBy = startedBy
        status = .queued
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.request = request
        attempts = 0
        cancelRequested = false
        self.createdAt = createdAt
    }
}

/// What a worker asks for when it claims a run.
public struct RunClaim: Sendable {
    /// The worker's id.
    public var worker: String
    /// A fresh token for this claim: a worker that lost its lease and comes back cannot finish
    /// a run that another worker has claimed since.
    public var token: String
    /// The time now (seconds since 1970).
    public var now: Double
    /// Until when the lease runs unless renewed.
    public var leaseUntil: Double
    /// A team with this many runs `running` gets no further run until one ends.
    public var maxRunningPerTeam: Int

    /// A claim by `worker` at `now` for `lease` seconds.
    public init(worker: String, token: String, now: Double, leaseUntil: Double, maxRunningPerTeam: Int) {
        self.worker = worker
        self.token = token
        self.now = now
        self.leaseUntil = leaseUntil
        self.maxRunningPerTeam = maxRunningPerTeam
    }
}

/// How a run ended, as its worker records it.
public struct RunEnding: Sendable {
    /// `succeeded`, `failed` or `cancelled`.
    public var status: RunStatus
    /// The failure's code, when it did not succeed.
    public var failure: String?
    /// The failure in words.
    public var reason: String?
    /// Sealed `RunRecord`, or nil when there is nothing to keep.
    public var result: Data?
    /// When it ended.
    public var at: Double

    /// An ending with this status at `at`.
    public init(status: RunStatus, failure: String? = nil, reason: String? = nil, result: Data?, at: Double) {
        self.status = status
        self.failure = failure
        self.reason = reason
        self.result = result
        self.at = at
    }
}

/// What a lease renewal tells the worker about the runs it holds.
public struct LeaseRenewal: Sendable, Equatable {
    /// Claims that are no longer this worker's (taken over after its lease ran out): stop them.
    public var lost: Set<String>
    /// Claims whose run someone asked to cancel.
    public var cancelRequested: Set<String>

    /// A renewal that lost nothing and was asked for nothing, unless told otherwise.
    public init(lost: Set<String> = [], cancelRequested: Set<String> = []) {
        self.lost = lost
        self.cancelRequested = cancelRequested
    }
}

/// What recovery did with the runs whose worker stopped renewing its lease.
public struct RecoveredRuns: Sendable, Equatable {
    /// Put back in the queue for another attempt.
    public var requeued: [String] = []
    /// Failed: a request that may have taken effect had gone out, or the attempts ran out.
    public var failed: [String] = []
    /// Ended as cancelled (cancelling had been asked for).
    public var cancelled: [String] = []

    /// Nothing recovered yet.
    public init() {}

    /// Whether anything changed.
    public var isEmpty: Bool { requeued.isEmpty && failed.isEmpty && cancelled.isEmpty }
}

/// How far a run has come: its status, and whether it has its answer (an ended run, or a
/// running one whose flow answered while its Async jobs go on).
public struct RunProgress: Sendable, Equatable {
    /// The run's status.
    public var status: RunStatus
    /// Whether the run's result is recorded.
    public var answered: Bool

    /// A run with this status, answered or not.
    public init(status: RunStatus, answered: Bool) {
        self.status = status
        self.answered = answered
    }
}
