import Foundation
import GRDB
import OAuthCore

/// Connection health and the status-change outbox on SQLite (see `HealthStore` and `StatusOutboxStore`).
extension SQLiteVaultStore {
    /// Migration "v10: connection health". Plain SQL that PostgreSQL also accepts (with BYTEA
    /// nowhere: nothing here is sealed, and nothing is a secret).
    package static let healthTablesSQL = [
        """
        CREATE TABLE connection_health (
            team TEXT NOT NULL,
            connection TEXT NOT NULL,
            last_success_at DOUBLE PRECISION,
            last_failure_at DOUBLE PRECISION,
            last_failure_reason TEXT,
            last_refresh_at DOUBLE PRECISION,
            refresh_token_expires_at DOUBLE PRECISION,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (team, connection)
        )
        """,
        """
        CREATE TABLE status_outbox (
            id TEXT NOT NULL PRIMARY KEY,
            team TEXT NOT NULL,
            connection TEXT NOT NULL,
            type TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            state TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_at DOUBLE PRECISION NOT NULL,
            claim TEXT,
            lease_until DOUBLE PRECISION,
            last_error TEXT,
            finished_at DOUBLE PRECISION
        )
        """,
        "CREATE INDEX status_outbox_due ON status_outbox(next_attempt_at) WHERE state = 'pending'",
        "CREATE INDEX status_outbox_created ON status_outbox(created_at)",
        "CREATE INDEX status_outbox_team ON status_outbox(team, created_at)",
    ]

    static func createHealthTables(_ db: Database) throws {
        for statement in healthTablesSQL { try db.execute(sql: statement) }
    }

    /// The upsert of one health row, shared with PostgreSQL's (which binds `$n` in the same
    /// order): each time keeps the newer value; the reason goes with its failure, the refresh
    /// token's expiry with its refresh. A row of a connection that is gone is not written.
    static let healthUpsertSQL = """
        INSERT INTO connection_health (team, connection, last_success_at, last_failure_at, last_failure_reason,
            last_refresh_at, refresh_token_expires_at, updated_at)
        SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM connections WHERE team = ? AND id = ?)
        ON CONFLICT (team, connection) DO UPDATE SET
            last_success_at = CASE WHEN excluded.last_success_at IS NOT NULL AND (connection_health.last_success_at IS NULL
                OR excluded.last_success_at > connection_health.last_success_at)
                THEN excluded.last_success_at ELSE connection_health.last_success_at END,
            last_failure_reason = CASE WHEN excluded.last_failure_at IS NOT NULL AND (connection_health.last_failure_at IS NULL
                OR excluded.last_failure_at >= connection_health.last_failure_at)
                THEN excluded.last_failure_reason ELSE connection_health.last_failure_reason END,
            last_failure_at = CASE WHEN excluded.last_failure_at IS NOT NULL AND (connection_health.last_failure_at IS NULL
                OR excluded.last_failure_at >= connection_health.last_failure_at)
                THEN excluded.last_failure_at ELSE connection_health.last_failure_at END,
            refresh_token_expires_at = CASE WHEN excluded.last_refresh_at IS NOT NULL AND (connection_health.last_refresh_at IS NULL
                OR excluded.last_refresh_at >= connection_health.last_refresh_at)
                THEN excluded.refresh_token_expires_at ELSE connection_health.refresh_token_expires_at END,
            last_refresh_at = CASE WHEN excluded.last_refresh_at IS NOT NULL AND (connection_health.last_refresh_at IS NULL
                OR excluded.last_refresh_at >= connection_health.last_refresh_at)
                THEN excluded.last_refresh_at ELSE connection_health.last_refresh_at END,
            updated_at = CASE WHEN excluded.updated_at > connection_health.updated_at
                THEN excluded.updated_at ELSE connection_health.updated_at END
        """

    /// The refresher's query, shared with PostgreSQL's.
    static let refreshCandidatesSQL = """
        SELECT c.team, c.id, c.token_expires_at FROM connections c
        LEFT JOIN connection_health h ON h.team = c.team AND h.connection = c.id
        WHERE c.status = 'ready' AND c.tokens IS NOT NULL
            AND ((c.token_expires_at IS NOT NULL AND c.token_expires_at < ?)
                OR COALESCE(h.last_refresh_at, c.updated_at) < ?)
        ORDER BY COALESCE(c.token_expires_at, h.last_refresh_at, c.updated_at), c.id
        LIMIT ?
        """

    /// Upserts the rows in one transaction.
    public func recordHealth(_ rows: [ConnectionHealth]) async throws(VaultError) {
        guard !rows.isEmpty else { return }
        try await write { db in
            for row in rows {
                try db.execute(
                    sql: Self.healthUpsertSQL,
                    arguments: [
                        row.team, row.connection, row.lastSuccessAt, row.lastFailureAt, row.lastFailureReason,
                        row.lastRefreshAt, row.refreshTokenExpiresAt, row.updatedAt, row.team, row.connection,
                    ])
            }
        }
    }

    /// The team's health rows of existing connections.
    public func health(team: String) async throws(VaultError) -> [ConnectionHealth] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT h.* FROM connection_health h JOIN connections c ON c.team = h.team AND c.id = h.connection
                    WHERE h.team = ? ORDER BY h.connection
                    """, arguments: [team]
            ).map { row in
                ConnectionHealth(
                    team: row["team"], connection: row["connection"], lastSuccessAt: row["last_success_at"],
                    lastFailureAt: row["last_failure_at"], lastFailureReason: row["last_failure_reason"],
                    lastRefreshAt: row["last_refresh_at"], refreshTokenExpiresAt: row["refresh_token_expires_at"],
                    updatedAt: row["updated_at"])
            }
        }
    }

    /// Connections for the background refresher.
    public func refreshCandidates(expiringBefore: Double, idleBefore: Double, limit: Int) async throws(VaultError)
        -> [RefreshCandidate]
    {
        try await read { db in
            try Row.fetchAll(
                db, sql: Self.refreshCandidatesSQL, arguments: [expiringBefore, idleBefore, max(0, limit)]
            )
            .map { RefreshCandidate(team: $0["team"], connection: $0["id"], tokenExpiresAt: $0["token_expires_at"]) }
        }
    }

    /// The compare-and-swap, and the outbox row in the same transaction when it wins.
    public func replace(_ connection: StoredConnection, expectedVersion: Int64, outbox: StatusChange?)
        async throws(VaultError) -> Bool
    {
        guard let outbox else { return try await replace(connection, expectedVersion: expectedVersion) }
        return try await write { db in
            guard try Self.replace(connection, expectedVersion: expectedVersion, db) else { return false }
            try Self.insertOutbox(outbox, db)
            return true
        }
    }

    static func insertOutbox(_ change: StatusChange, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO status_outbox (id, team, connection, type, name, kind, status, reason, created_at, state,
                    attempts, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)
                """,
            arguments: [
                change.id, change.team, change.connection, change.type.rawValue, change.name, change.kind,
                change.status, change.reason, change.at, change.at,
            ])
        try db.execute(
            sql: "DELETE FROM status_outbox WHERE created_at < ?", arguments: [change.at - StatusOutbox.keep])
    }

    /// Leases due changes to `owner`.
    public func claimStatusChanges(owner: String, now: Double, leaseUntil: Double, createdAfter: Double, limit: Int)
        async throws(VaultError) -> [ClaimedStatusChange]
    {
        let claim = "\(owner):\(SecureRandom.token().prefix(12))"
        return try await write { db in
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM status_outbox
                    WHERE state = 'pending' AND next_attempt_at <= ? AND created_at > ?
                        AND (lease_until IS NULL OR lease_until < ?)
                    ORDER BY created_at, id LIMIT ?
                    """, arguments: [now, createdAfter, now, max(0, limit)])
            var claimed: [ClaimedStatusChange] = []
            for id in ids {
                try db.execute(
                    sql: "UPDATE status_outbox SET claim = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?",
                    arguments: [claim, leaseUntil, id])
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM status_outbox WHERE id = ?", arguments: [id]) {
                    claimed.append(
                        ClaimedStatusChange(change: try Self.statusChange(row), attempts: row["attempts"], claim: claim)
                    )
                }
            }
            return claimed
        }
    }

    /// Ends an attempt.
    public func finishStatusChange(
        id: String, claim: String, state: StatusChangeState, nextAttemptAt: Double, error: String?, at: Double
    ) async throws(VaultError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE status_outbox SET state = ?, next_attempt_at = ?, last_error = ?, claim = NULL,
                        lease_until = NULL, finished_at = ?
                    WHERE id = ? AND claim = ?
                    """,
                arguments: [state.rawValue, nextAttemptAt, error, state == .pending ? nil : at, id, claim])
            return db.changesCount == 1
        }
    }

    /// The team's outbox rows.
    public func statusChanges(team: String) async throws(VaultError) -> [StatusOutboxEntry] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM status_outbox WHERE team = ? ORDER BY created_at, id", arguments: [team]
            ).map { row in
                StatusOutboxEntry(
                    change: try Self.statusChange(row),
                    state: StatusChangeState(rawValue: row["state"]) ?? .dead, attempts: row["attempts"],
                    lastError: row["last_error"])
            }
        }
    }

    static func statusChange(_ row: Row) throws -> StatusChange {
        guard let type = StatusChange.Kind(rawValue: row["type"]) else {
            throw VaultError.storage("an outbox row has an unknown type")
        }
        return StatusChange(
            id: row["id"], type: type, team: row["team"], connection: row["connection"], name: row["name"],
            kind: row["kind"], status: row["status"], reason: row["reason"], at: row["created_at"])
    }
}
