import Foundation
import GRDB

/// The run queue in the vault's SQLite file. SQLite has one writer at a time, so each claim,
/// renewal and recovery is simply one write transaction; several processes on one file share
/// the queue that way (and find new runs by polling, since SQLite cannot notify them).
extension SQLiteVaultStore: RunStore {
    /// Migration "v7: runs". Plain SQL; `PostgresMigrations` has the same table with BYTEA.
    static func createRunTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE runs (
                    id TEXT NOT NULL PRIMARY KEY,
                    team TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    agent_version BIGINT NOT NULL,
                    started_by TEXT NOT NULL,
                    status TEXT NOT NULL,
                    failure TEXT,
                    reason TEXT,
                    key_id TEXT NOT NULL,
                    wrapped_key BLOB NOT NULL,
                    request BLOB NOT NULL,
                    result BLOB,
                    attempts BIGINT NOT NULL,
                    worker TEXT,
                    claim TEXT,
                    lease_until DOUBLE PRECISION,
                    unsafe_request TEXT,
                    cancel_requested BIGINT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    started_at DOUBLE PRECISION,
                    finished_at DOUBLE PRECISION
                );
                CREATE INDEX runs_queue ON runs(status, created_at);
                CREATE INDEX runs_team ON runs(team, status, created_at);
                """)
    }

    /// Queues the run unless its team has `maxQueuedPerTeam` queued already.
    public func enqueueRun(_ run: StoredRun, maxQueuedPerTeam: Int) async throws(VaultError) -> Bool {
        let added: Bool = try await write { db in
            let queued =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM runs WHERE team = ? AND status = 'queued'", arguments: [run.team])
                ?? 0
            guard queued < maxQueuedPerTeam else { return false }
            try db.execute(
                sql: """
                    INSERT INTO runs (id, team, agent, agent_version, started_by, status, key_id, wrapped_key,
                        request, attempts, cancel_requested, created_at)
                    VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, 0, 0, ?)
                    """,
                arguments: [
                    run.id, run.team, run.agent, run.agentVersion, run.startedBy, run.keyID, run.wrappedKey,
                    run.request, run.createdAt,
                ])
            return true
        }
        if added { runEvents.post(.queued) }
        return added
    }

    /// Claims the oldest queued run of a team under its limit, in one write transaction.
    public func claimRun(_ claim: RunClaim) async throws(VaultError) -> StoredRun? {
        try await claimRuns([claim]).first
    }

    /// Claims up to one run per claim in one write transaction: a worker with many free slots
    /// fills them with one commit. Each claim counts the runs the ones before it took.
    public func claimRuns(_ claims: [RunClaim]) async throws(VaultError) -> [StoredRun] {
        guard !claims.isEmpty else { return [] }
        return try await write { db in
            var claimed: [StoredRun] = []
            for claim in claims {
                guard
                    let id = try String.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT id FROM runs AS queued WHERE status = 'queued'
                                AND (SELECT COUNT(*) FROM runs AS busy
                                     WHERE busy.team = queued.team AND busy.status = 'running') < ?
                                ORDER BY created_at, id LIMIT 1
                                """), arguments: [claim.maxRunningPerTeam])
                else { break }
                try db.cachedStatement(
                    sql: """
                        UPDATE runs SET status = 'running', attempts = attempts + 1, worker = ?, claim = ?,
                            lease_until = ?, started_at = ?, unsafe_request = NULL
                        WHERE id = ?
                        """
                ).execute(arguments: [claim.worker, claim.token, claim.leaseUntil, claim.now, id])
                if let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM runs WHERE id = ?"), arguments: [id])
                {
                    claimed.append(Self.storedRun(row))
                }
            }
            return claimed
        }
    }

    /// The status of the team's run.
    public func runStatus(id: String, team: String) async throws(VaultError) -> RunStatus? {
        try await read { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT status FROM runs WHERE id = ? AND team = ?"), arguments: [id, team]
            ).map { RunStatus(rawValue: $0) ?? .failed }
        }
    }

    /// The run's status and whether its result is recorded.
    public func runProgress(id: String, team: String) async throws(VaultError) -> RunProgress? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT status, result IS NOT NULL AS answered FROM runs WHERE id = ? AND team = ?"),
                arguments: [id, team]
            ).map { row in
                RunProgress(status: RunStatus(rawValue: row["status"]) ?? .failed, answered: row["answered"])
            }
        }
    }

    /// Records a running run's answer under its claim.
    public func answerRun(id: String, claim: String, result: Data) async throws(VaultError) -> Bool {
        let answered: Bool = try await write { db in
            try db.cachedStatement(sql: "UPDATE runs SET result = ? WHERE id = ? AND claim = ? AND status = 'running'")
                .execute(arguments: [result, id, claim])
            return db.changesCount == 1
        }
        if answered { runEvents.post(.answered(id)) }
        return answered
    }

    /// Requeues the worker's running runs it does not hold (claims whose answer was lost).
    public func releaseUnheldRuns(worker: String, holding claims: [String]) async throws(VaultError) -> Int {
        let released: Int = try await write { db in
            let held = Set(claims)
            var released = 0
            for row in try Row.fetchAll(
                db, sql: "SELECT id, claim FROM runs WHERE worker = ? AND status = 'running'", arguments: [worker])
            where !held.contains(row["claim"] as String? ?? "") {
                try db.execute(
                    sql: """
                        UPDATE runs SET status = 'queued', worker = NULL, claim = NULL, lease_until = NULL, result = NULL,
                            started_at = NULL, attempts = MAX(attempts - 1, 0)
                        WHERE id = ?
                        """, arguments: [row["id"] as String])
                released += 1
            }
            return released
        }
        if released > 0 { runEvents.post(.queued) }
        return released
    }

    /// Extends the worker's leases; reports the claims it lost and the cancels asked for.
    public func renewLeases(worker: String, claims: [String], until: Double) async throws(VaultError)
        -> LeaseRenewal
    {
        guard !claims.isEmpty else { return LeaseRenewal() }
        return try await write { db in
            var renewal = LeaseRenewal()
            for claim in claims {
                try db.execute(
                    sql: "UPDATE runs SET lease_until = ? WHERE worker = ? AND claim = ? AND status = 'running'",
                    arguments: [until, worker, claim])
                if db.changesCount == 0 {
                    renewal.lost.insert(claim)
                } else if try Bool.fetchOne(
                    db, sql: "SELECT cancel_requested <> 0 FROM runs WHERE claim = ?", arguments: [claim]) == true
                {
                    renewal.cancelRequested.insert(claim)
                }
            }
            return renewal
        }
    }

    /// Records the run's first request that is not a GET or HEAD, if the claim still holds it.
    public func recordUnsafeRequest(runID: String, claim: String, request: String) async throws(VaultError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET unsafe_request = COALESCE(unsafe_request, ?)
                    WHERE id = ? AND claim = ? AND status = 'running'
                    """, arguments: [request, runID, claim])
            return db.changesCount == 1
        }
    }

    /// Records the ending, if the claim still holds the run.
    public func finishRun(id: String, claim: String, ending: RunEnding) async throws(VaultError) -> Bool {
        let finished: Bool = try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE runs SET status = ?, failure = ?, reason = ?, result = ?, finished_at = ?, lease_until = NULL
                    WHERE id = ? AND claim = ? AND status = 'running'
                    """
            ).execute(
                arguments: [ending.status.rawValue, ending.failure, ending.reason, ending.result, ending.at, id, claim])
            return db.changesCount == 1
        }
        if finished { runEvents.post(.finished(id)) }
        return finished
    }

    /// Cancels a queued run at once; asks the worker of a running one.
    public func cancelRun(id: String, team: String, at time: Double) async throws(VaultError) -> StoredRun? {
        let run: StoredRun? = try await write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'cancelled', failure = 'cancelled', reason = ?, finished_at = ?
                    WHERE id = ? AND team = ? AND status = 'queued'
                    """, arguments: [RunReasons.cancelledWhileQueued, time, id, team])
            try db.execute(
                sql: "UPDATE runs SET cancel_requested = 1 WHERE id = ? AND team = ? AND status = 'running'",
                arguments: [id, team])
            return try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ? AND team = ?", arguments: [id, team])
                .map(Self.storedRun)
        }
        if let run {
            if run.status == .cancelled { runEvents.post(.finished(id)) }
            if run.status == .running { runEvents.post(.cancelRequested(id)) }
        }
        return run
    }

    /// The team's run with this id.
    public func run(id: String, team: String) async throws(VaultError) -> StoredRun? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM runs WHERE id = ? AND team = ?"), arguments: [id, team]
            ).map(Self.storedRun)
        }
    }

    /// The team's runs, newest first.
    public func runs(team: String, limit: Int, before: Double?) async throws(VaultError) -> [StoredRun] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM runs WHERE team = ? AND created_at < ? ORDER BY created_at DESC, id DESC LIMIT ?
                    """, arguments: [team, before ?? Double.greatestFiniteMagnitude, max(0, limit)]
            ).map(Self.storedRun)
        }
    }

    /// The status of each run named that exists.
    public func runStatuses(ids: [String]) async throws(VaultError) -> [String: RunStatus] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            var statuses: [String: RunStatus] = [:]
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            for row in try Row.fetchAll(
                db, sql: "SELECT id, status FROM runs WHERE id IN (\(marks))", arguments: StatementArguments(ids))
            {
                if let status = RunStatus(rawValue: row["status"]) { statuses[row["id"]] = status }
            }
            return statuses
        }
    }

    /// Ends or requeues the running runs whose lease ran out.
    public func recoverLostRuns(now: Double, maxAttempts: Int) async throws(VaultError) -> RecoveredRuns {
        let recovered: RecoveredRuns = try await write { db in
            var recovered = RecoveredRuns()
            let lost = try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE status = 'running' AND lease_until < ?", arguments: [now]
            ).map(Self.storedRun)
            for run in lost {
                let decision = LostRunDecision(run, maxAttempts: maxAttempts)
                switch decision {
                case .requeue:
                    try db.execute(
                        sql: """
                            UPDATE runs SET status = 'queued', worker = NULL, claim = NULL, lease_until = NULL, result = NULL
                            WHERE id = ?
                            """, arguments: [run.id])
                    recovered.requeued.append(run.id)
                case .end(let status, let failure, let reason):
                    try db.execute(
                        sql: """
                            UPDATE runs SET status = ?, failure = ?, reason = ?, finished_at = ?, lease_until = NULL
                            WHERE id = ?
                            """, arguments: [status.rawValue, failure, reason, now, run.id])
                    if status == .cancelled {
                        recovered.cancelled.append(run.id)
                    } else {
                        recovered.failed.append(run.id)
                    }
                }
            }
            return recovered
        }
        if !recovered.requeued.isEmpty { runEvents.post(.queued) }
        for id in recovered.failed + recovered.cancelled { runEvents.post(.finished(id)) }
        return recovered
    }

    /// Deletes the runs that ended before `time`.
    public func purgeRuns(finishedBefore time: Double) async throws(VaultError) -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM runs WHERE finished_at < ?", arguments: [time])
            return db.changesCount
        }
    }

    /// SQLite cannot tell other processes; they poll.
    public func watchRunEvents() {}

    static func storedRun(_ row: Row) -> StoredRun {
        var run = StoredRun(
            id: row["id"], team: row["team"], agent: row["agent"], agentVersion: row["agent_version"],
            startedBy: row["started_by"], keyID: row["key_id"], wrappedKey: row["wrapped_key"],
            request: row["request"], createdAt: row["created_at"])
        // An unknown status (written by a newer Keyflow) reads as failed rather than running for ever.
        run.status = RunStatus(rawValue: row["status"]) ?? .failed
        run.failure = row["failure"]
        run.reason = row["reason"]
        run.result = row["result"]
        run.attempts = row["attempts"]
        run.worker = row["worker"]
        run.claim = row["claim"]
        run.leaseUntil = row["lease_until"]
        run.unsafeRequest = row["unsafe_request"]
        run.cancelRequested = (row["cancel_requested"] as Int64? ?? 0) != 0
        run.startedAt = row["started_at"]
        run.finishedAt = row["finished_at"]
        return run
    }
}
