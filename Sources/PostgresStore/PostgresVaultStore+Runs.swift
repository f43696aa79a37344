import Foundation
import PostgresNIO
import Vault

/// The run queue on PostgreSQL, shared by every node. Workers claim with `FOR UPDATE SKIP
/// LOCKED`, so claims on several nodes never wait for each other nor take the same run; the
/// per-team limit is counted under an advisory lock on the team, so two nodes claiming for
/// one team at once cannot both take its last slot. A run's hot path (queue, claim, finish)
/// is one statement each: on a busy worker, round trips are what the CPU goes to. Each change announces itself with
/// `pg_notify` on `keyflow_runs` (delivered when its transaction commits), which
/// `watchRunEvents` relays into `runEvents` on every node.
extension PostgresVaultStore: RunStore {
    /// The NOTIFY channel.
    static let runChannel = "keyflow_runs"

    /// Queues the run unless its team has `maxQueuedPerTeam` queued already, in one statement
    /// that also notifies. (Two nodes queuing at once may both pass at the bound minus one: it
    /// keeps one team from filling the queue, it is not an exact count.)
    public func enqueueRun(_ run: StoredRun, maxQueuedPerTeam: Int) async throws(VaultError) -> Bool {
        let added =
            try await execute(
                """
                WITH added AS (
                    INSERT INTO runs (id, team, agent, agent_version, started_by, status, key_id, wrapped_key,
                        request, attempts, cancel_requested, created_at)
                    SELECT \(run.id), \(run.team), \(run.agent), \(run.agentVersion), \(run.startedBy), 'queued',
                        \(run.keyID), \(run.wrappedKey), \(run.request), 0, 0, \(run.createdAt)
                    WHERE (SELECT COUNT(*) FROM runs WHERE team = \(run.team) AND status = 'queued') < \(maxQueuedPerTeam)
                    RETURNING 1
                )
                SELECT pg_notify(\(Self.runChannel), 'queued') FROM added
                """) == 1
        if added { runEvents.post(.queued) }
        return added
    }

    /// Claims the oldest queued run of a team under its limit, in one round trip:
    /// `keyflow_claim_run` (`PostgresMigrations`, step 6) takes the candidate with `FOR UPDATE
    /// SKIP LOCKED`, then the team's advisory lock, counts the team's running runs again, and
    /// claims it or tries the next team.
    public func claimRun(_ claim: RunClaim) async throws(VaultError) -> StoredRun? {
        try await rows(
            """
            SELECT * FROM keyflow_claim_run(\(claim.worker), \(claim.token), \(claim.now), \(claim.leaseUntil),
                \(Int64(clamping: claim.maxRunningPerTeam)))
            """, Self.storedRun
        ).first
    }

    /// The status of the team's run.
    public func runStatus(id: String, team: String) async throws(VaultError) -> RunStatus? {
        try await rows("SELECT status FROM runs WHERE id = \(id) AND team = \(team)") { row in
            RunStatus(rawValue: try row["status"].decode(String.self)) ?? .failed
        }.first
    }

    /// The run's status and whether its result is recorded.
    public func runProgress(id: String, team: String) async throws(VaultError) -> RunProgress? {
        try await rows(
            "SELECT status, result IS NOT NULL AS answered FROM runs WHERE id = \(id) AND team = \(team)"
        ) { row in
            RunProgress(
                status: RunStatus(rawValue: try row["status"].decode(String.self)) ?? .failed,
                answered: try row["answered"].decode(Bool.self))
        }.first
    }

    /// Records a running run's answer under its claim, and announces it.
    public func answerRun(id: String, claim: String, result: Data) async throws(VaultError) -> Bool {
        let answered =
            try await execute(
                """
                WITH done AS (
                    UPDATE runs SET result = \(result)
                    WHERE id = \(id) AND claim = \(claim) AND status = 'running' RETURNING id
                )
                SELECT pg_notify(\(Self.runChannel), 'answered:' || id) FROM done
                """) == 1
        if answered { runEvents.post(.answered(id)) }
        return answered
    }

    /// Requeues the worker's running runs it does not hold (claims whose answer was lost).
    public func releaseUnheldRuns(worker: String, holding claims: [String]) async throws(VaultError) -> Int {
        let released = try await execute(
            """
            WITH released AS (
                UPDATE runs SET status = 'queued', worker = NULL, claim = NULL, lease_until = NULL, result = NULL,
                    started_at = NULL, attempts = GREATEST(attempts - 1, 0)
                WHERE worker = \(worker) AND status = 'running' AND NOT (claim = ANY(\(claims)))
                RETURNING 1
            )
            SELECT pg_notify(\(Self.runChannel), 'queued') FROM released
            """)
        if released > 0 { runEvents.post(.queued) }
        return released
    }

    /// Extends the worker's leases; reports the claims it lost and the cancels asked for.
    public func renewLeases(worker: String, claims: [String], until: Double) async throws(VaultError)
        -> LeaseRenewal
    {
        guard !claims.isEmpty else { return LeaseRenewal() }
        let renewed = try await rows(
            """
            UPDATE runs SET lease_until = \(until)
            WHERE worker = \(worker) AND claim = ANY(\(claims)) AND status = 'running'
            RETURNING claim, cancel_requested
            """
        ) { row in (try row["claim"].decode(String.self), try row["cancel_requested"].decode(Int64.self) != 0) }
        var renewal = LeaseRenewal()
        let held = Set(renewed.map(\.0))
        renewal.lost = Set(claims).subtracting(held)
        renewal.cancelRequested = Set(renewed.filter(\.1).map(\.0))
        return renewal
    }

    /// Records the run's first request that is not a GET or HEAD, if the claim still holds it.
    public func recordUnsafeRequest(runID: String, claim: String, request: String) async throws(VaultError) -> Bool {
        try await execute(
            """
            UPDATE runs SET unsafe_request = COALESCE(unsafe_request, \(request))
            WHERE id = \(runID) AND claim = \(claim) AND status = 'running' RETURNING 1
            """) == 1
    }

    /// Records the ending, if the claim still holds the run, and announces it: one statement.
    public func finishRun(id: String, claim: String, ending: RunEnding) async throws(VaultError) -> Bool {
        let finished =
            try await execute(
                """
                WITH done AS (
                    UPDATE runs SET status = \(ending.status.rawValue), failure = \(ending.failure),
                        reason = \(ending.reason), result = \(ending.result), finished_at = \(ending.at),
                        lease_until = NULL
                    WHERE id = \(id) AND claim = \(claim) AND status = 'running' RETURNING id
                )
                SELECT pg_notify(\(Self.runChannel), 'finished:' || id) FROM done
                """) == 1
        if finished { runEvents.post(.finished(id)) }
        return finished
    }

    /// Cancels a queued run at once; asks the worker of a running one.
    public func cancelRun(id: String, team: String, at time: Double) async throws(VaultError) -> StoredRun? {
        let run = try await transaction { db -> StoredRun? in
            guard
                let current = try await self.rows(
                    "SELECT * FROM runs WHERE id = \(id) AND team = \(team) FOR UPDATE", on: db
                ).first.map(Self.storedRun)
            else { return nil }
            switch current.status {
            case .queued:
                try await self.execute(
                    """
                    UPDATE runs SET status = 'cancelled', failure = 'cancelled',
                        reason = \(RunReasons.cancelledWhileQueued), finished_at = \(time)
                    WHERE id = \(id)
                    """, on: db)
                try await self.notify("finished:" + id, on: db)
            case .running:
                try await self.execute("UPDATE runs SET cancel_requested = 1 WHERE id = \(id)", on: db)
                try await self.notify("cancel:" + id, on: db)
            case .succeeded, .failed, .cancelled:
                return current
            }
            return try await self.rows("SELECT * FROM runs WHERE id = \(id)", on: db).first.map(Self.storedRun)
        }
        if let run {
            if run.status == .cancelled { runEvents.post(.finished(id)) }
            if run.status == .running { runEvents.post(.cancelRequested(id)) }
        }
        return run
    }

    /// The team's run with this id.
    public func run(id: String, team: String) async throws(VaultError) -> StoredRun? {
        try await rows("SELECT * FROM runs WHERE id = \(id) AND team = \(team)", Self.storedRun).first
    }

    /// The team's runs, newest first.
    public func runs(team: String, limit: Int, before: Double?) async throws(VaultError) -> [StoredRun] {
        try await rows(
            """
            SELECT * FROM runs WHERE team = \(team) AND created_at < \(before ?? Double.greatestFiniteMagnitude)
            ORDER BY created_at DESC, id DESC LIMIT \(max(0, limit))
            """, Self.storedRun)
    }

    /// The status of each run named that exists.
    public func runStatuses(ids: [String]) async throws(VaultError) -> [String: RunStatus] {
        guard !ids.isEmpty else { return [:] }
        let pairs = try await rows("SELECT id, status FROM runs WHERE id = ANY(\(ids))") { row in
            (try row["id"].decode(String.self), RunStatus(rawValue: try row["status"].decode(String.self)))
        }
        var statuses: [String: RunStatus] = [:]
        for (id, status) in pairs { if let status { statuses[id] = status } }
        return statuses
    }

    /// Ends or requeues the running runs whose lease ran out. Rows another node is
    /// recovering (locked) are skipped: that node does it.
    public func recoverLostRuns(now: Double, maxAttempts: Int) async throws(VaultError) -> RecoveredRuns {
        let recovered = try await transaction { db -> RecoveredRuns in
            var recovered = RecoveredRuns()
            let lost = try await self.rows(
                "SELECT * FROM runs WHERE status = 'running' AND lease_until < \(now) FOR UPDATE SKIP LOCKED", on: db
            ).map(Self.storedRun)
            for run in lost {
                switch LostRunDecision(run, maxAttempts: maxAttempts) {
                case .requeue:
                    try await self.execute(
                        """
                        UPDATE runs SET status = 'queued', worker = NULL, claim = NULL, lease_until = NULL, result = NULL
                        WHERE id = \(run.id)
                        """, on: db)
                    recovered.requeued.append(run.id)
                case .end(let status, let failure, let reason):
                    try await self.execute(
                        """
                        UPDATE runs SET status = \(status.rawValue), failure = \(failure), reason = \(reason),
                            finished_at = \(now), lease_until = NULL
                        WHERE id = \(run.id)
                        """, on: db)
                    try await self.notify("finished:" + run.id, on: db)
                    if status == .cancelled {
                        recovered.cancelled.append(run.id)
                    } else {
                        recovered.failed.append(run.id)
                    }
                }
            }
            if !recovered.requeued.isEmpty { try await self.notify("queued", on: db) }
            return recovered
        }
        if !recovered.requeued.isEmpty { runEvents.post(.queued) }
        for id in recovered.failed + recovered.cancelled { runEvents.post(.finished(id)) }
        return recovered
    }

    /// Deletes the runs that ended before `time`.
    public func purgeRuns(finishedBefore time: Double) async throws(VaultError) -> Int {
        try await execute("DELETE FROM runs WHERE finished_at < \(time) RETURNING 1")
    }

    /// Starts the listener on `keyflow_runs`: one connection of its own (a LISTEN holds its
    /// connection), reconnecting after a failure. While it is down, every waiter is woken
    /// once so that it polls; workers poll on a timer anyway.
    public func watchRunEvents() {
        runListener.withLock { listener in
            guard listener == nil else { return }
            listener = Task { [weak self] in
                while !Task.isCancelled {
                    guard let self else { return }
                    do { try await self.listen() } catch {}
                    self.runEvents.post(.queued)
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
        }
    }

    private func listen() async throws {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls.forConnection)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Self.silent)
        defer { Task { try? await connection.close() } }
        try await withTaskCancellationHandler {
            try await connection.listen(on: Self.runChannel) { notifications in
                for try await notification in notifications { runEvents.post(Self.event(notification.payload)) }
            }
        } onCancel: {
            Task { try? await connection.close() }
        }
    }

    /// The event a NOTIFY payload announces; anything unknown wakes the workers.
    static func event(_ payload: String) -> RunEvents.Event {
        if payload.hasPrefix("finished:") { return .finished(String(payload.dropFirst(9))) }
        if payload.hasPrefix("answered:") { return .answered(String(payload.dropFirst(9))) }
        if payload.hasPrefix("cancel:") { return .cancelRequested(String(payload.dropFirst(7))) }
        return .queued
    }

    private func notify(_ payload: String, on db: PostgresConnection) async throws {
        try await execute("SELECT pg_notify(\(Self.runChannel), \(payload))", on: db)
    }

    static func storedRun(_ row: PostgresRandomAccessRow) throws -> StoredRun {
        var run = StoredRun(
            id: try row["id"].decode(String.self), team: try row["team"].decode(String.self),
            agent: try row["agent"].decode(String.self), agentVersion: try row["agent_version"].decode(Int64.self),
            startedBy: try row["started_by"].decode(String.self), keyID: try row["key_id"].decode(String.self),
            wrappedKey: try row["wrapped_key"].decode(Data.self), request: try row["request"].decode(Data.self),
            createdAt: try row["created_at"].decode(Double.self))
        // An unknown status (written by a newer Keyflow) reads as failed rather than running for ever.
        run.status = RunStatus(rawValue: try row["status"].decode(String.self)) ?? .failed
        run.failure = try row["failure"].decode(String?.self)
        run.reason = try row["reason"].decode(String?.self)
        run.result = try row["result"].decode(Data?.self)
        run.attempts = try row["attempts"].decode(Int.self)
        run.worker = try row["worker"].decode(String?.self)
        run.claim = try row["claim"].decode(String?.self)
        run.leaseUntil = try row["lease_until"].decode(Double?.self)
        run.unsafeRequest = try row["unsafe_request"].decode(String?.self)
        run.cancelRequested = try row["cancel_requested"].decode(Int64.self) != 0
        run.startedAt = try row["started_at"].decode(Double?.self)
        run.finishedAt = try row["finished_at"].decode(Double?.self)
        return run
    }
}
