/// Which of a team's audit records to read, newest first, a page at a time.
public struct AuditQuery: Sendable, Hashable {
    /// The team (always: no query reads across teams).
    public var team: String
    /// Only this connection's records.
    public var connection: String?
    /// Only records at or after this time (seconds since 1970).
    public var since: Double?
    /// Only records older than this sequence: the `next_cursor` of the page before.
    public var before: Int64?
    /// At most this many (the store caps it at `AuditQuery.maximumLimit`).
    public var limit: Int

    /// The most records one page holds.
    public static let maximumLimit = 1_000

    /// A query of `team`'s records.
    public init(team: String, connection: String? = nil, since: Double? = nil, before: Int64? = nil, limit: Int = 100) {
        self.team = team
        self.connection = connection
        self.since = since
        self.before = before
        self.limit = limit
    }

    /// The limit, between 1 and `maximumLimit`.
    public var boundedLimit: Int { min(max(limit, 1), Self.maximumLimit) }
}

/// What `AuditStore.pruneAudit` did to one team's chain.
public struct AuditPruned: Sendable, Hashable {
    /// The team.
    public var team: String
    /// How many records were deleted.
    public var deleted: Int
    /// The checkpoint left (the last deleted record's sequence and MAC), nil when nothing was deleted.
    public var checkpoint: AuditCheckpoint?

    /// A prune's outcome.
    public init(team: String, deleted: Int, checkpoint: AuditCheckpoint?) {
        self.team = team
        self.deleted = deleted
        self.checkpoint = checkpoint
    }
}

/// How a master key rotation re-signs the audit chains, in the rotation's transaction: each
/// chain is verified under `old`, then every MAC, head and checkpoint is signed again under
/// `new`. A chain that does not verify stops the rotation unless `resignBroken` is set; then it
/// is re-signed anyway and a record in it says so.
public struct AuditResigning: Sendable {
    /// The chain key of the master key in use.
    public let old: AuditChain
    /// The chain key of the new master key.
    public let new: AuditChain
    /// Re-sign chains that do not verify (and record that it was done).
    public let resignBroken: Bool
    /// Who rotated (for the records the rotation appends).
    public let attribution: Attribution
    /// The time the rotation's records carry.
    public let at: Double

    /// A re-signing from `old` to `new`.
    public init(old: AuditChain, new: AuditChain, resignBroken: Bool, attribution: Attribution, at: Double) {
        self.old = old
        self.new = new
        self.resignBroken = resignBroken
        self.attribution = attribution
        self.at = at
    }

    /// The record appended to each re-signed chain: the rotation, and what was broken.
    package func rotationEvent(team: String, problem: AuditProblem?) -> VaultEvent {
        var detail = "audit chain re-signed under master key \(new.keyID)"
        if let problem { detail += "; it did not verify before: \(problem.description) (re-signed anyway)" }
        return VaultEvent(
            .masterKeyRotate, team: team, at: at, attribution: attribution, succeeded: problem == nil,
            detail: detail)
    }

    /// The error that refuses a rotation over a broken chain.
    package func refusal(_ problem: AuditProblem) -> VaultError {
        .masterKey(
            "rotation refused: the audit chain of team \(problem.team) does not verify at sequence \(problem.sequence) "
                + "(\(problem.detail)); see keyflow audit verify, or pass --resign-broken-audit to re-sign it anyway")
    }
}
