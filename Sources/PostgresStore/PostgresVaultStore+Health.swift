import Foundation
import OAuthCore
import PostgresNIO
import Vault

/// Connection health and the status-change outbox on PostgreSQL (see `HealthStore` and
/// `StatusOutboxStore`). Senders on several nodes claim outbox rows with `FOR UPDATE SKIP LOCKED`.
extension PostgresVaultStore {
    /// Upserts the rows in one transaction (the SQL of `SQLiteVaultStore.healthUpsertSQL`).
    public func recordHealth(_ rows: [ConnectionHealth]) async throws(VaultError) {
        guard !rows.isEmpty else { return }
        try await transaction { db in
            for row in rows {
                try await self.execute(
                    """
                    INSERT INTO connection_health (team, connection, last_success_at, last_failure_at,
                        last_failure_reason, last_refresh_at, refresh_token_expires_at, updated_at)
                    SELECT \(row.team), \(row.connection), \(row.lastSuccessAt), \(row.lastFailureAt),
                        \(row.lastFailureReason), \(row.lastRefreshAt), \(row.refreshTokenExpiresAt), \(row.updatedAt)
                    WHERE EXISTS (SELECT 1 FROM connections WHERE team = \(row.team) AND id = \(row.connection))
                    ON CONFLICT (team, connection) DO UPDATE SET
                        last_success_at = GREATEST(connection_health.last_success_at, excluded.last_success_at),
                        last_failure_reason = CASE WHEN excluded.last_failure_at IS NOT NULL
                            AND (connection_health.last_failure_at IS NULL
                                OR excluded.last_failure_at >= connection_health.last_failure_at)
                            THEN excluded.last_failure_reason ELSE connection_health.last_failure_reason END,
                        last_failure_at = GREATEST(connection_health.last_failure_at, excluded.last_failure_at),
                        refresh_token_expires_at = CASE WHEN excluded.last_refresh_at IS NOT NULL
                            AND (connection_health.last_refresh_at IS NULL
                                OR excluded.last_refresh_at >= connection_health.last_refresh_at)
                            THEN excluded.refresh_token_expires_at ELSE connection_health.refresh_token_expires_at END,
                        last_refresh_at = GREATEST(connection_health.last_refresh_at, excluded.last_refresh_at),
                        updated_at = GREATEST(connection_health.updated_at, excluded.updated_at)
                    """, on: db)
            }
        }
    }

    /// The team's health rows of existing connections.
    public func health(team: String) async throws(VaultError) -> [ConnectionHealth] {
        try await rows(
            """
            SELECT h.* FROM connection_health h JOIN connections c ON c.team = h.team AND c.id = h.connection
            WHERE h.team = \(team) ORDER BY h.connection
            """
        ) { row in
            ConnectionHealth(
                team: try row["team"].decode(String.self), connection: try row["connection"].decode(String.self),
                lastSuccessAt: try row["last_success_at"].decode(Double?.self),
                lastFailureAt: try row["last_failure_at"].decode(Double?.self),
                lastFailureReason: try row["last_failure_reason"].decode(String?.self),
                lastRefreshAt: try row["last_refresh_at"].decode(Double?.self),
                refreshTokenExpiresAt: try row["refresh_token_expires_at"].decode(Double?.self),
                updatedAt: try row["updated_at"].decode(Double.self))
        }
    }

    /// Connections for the background refresher.
    public func refreshCandidates(expiringBefore: Double, idleBefore: Double, limit: Int) async throws(VaultError)
        -> [RefreshCandidate]
    {
        let limit = Int64(max(0, limit))
        return try await rows(
            """
            SELECT c.team, c.id, c.token_expires_at FROM connections c
            LEFT JOIN connection_health h ON h.team = c.team AND h.connection = c.id
            WHERE c.status = 'ready' AND c.tokens IS NOT NULL
                AND ((c.token_expires_at IS NOT NULL AND c.token_expires_at < \(expiringBefore))
                    OR COALESCE(h.last_refresh_at, c.updated_at) < \(idleBefore))
            ORDER BY COALESCE(c.token_expires_at, h.last_refresh_at, c.updated_at), c.id
            LIMIT \(limit)
            """
        ) { row in
            RefreshCandidate(
                team: try row["team"].decode(String.self), connection: try row["id"].decode(String.self),
                tokenExpiresAt: try row["token_expires_at"].decode(Double?.self))
        }
    }

    /// The compare-and-swap, and the outbox row in the same transaction when it wins.
    public func replace(_ connection: StoredConnection, expectedVersion: Int64, outbox: StatusChange?)
        async throws(VaultError) -> Bool
    {
        guard let outbox else { return try await replace(connection, expectedVersion: expectedVersion) }
        return try await transaction { db in
            guard try await self.replace(connection, expectedVersion: expectedVersion, on: db) else { return false }
            try await self.insertOutbox(outbox, on: db)
            return true
        }
    }

    /// Writes `change` to the outbox on `db` (inside the transaction of the status change) and
    /// deletes rows older than `StatusOutbox.keep`.
    func insertOutbox(_ change: StatusChange, on db: PostgresConnection) async throws {
        try await execute(
            """
            INSERT INTO status_outbox (id, team, connection, type, name, kind, status, reason, created_at, state,
                attempts, next_attempt_at)
            VALUES (\(change.id), \(change.team), \(change.connection), \(change.type.rawValue), \(change.name),
                \(change.kind), \(change.status), \(change.reason), \(change.at), 'pending', 0, \(change.at))
            """, on: db)
        try await execute("DELETE FROM status_outbox WHERE created_at < \(change.at - StatusOutbox.keep)", on: db)
    }

    /// Leases due changes to `owner`: rows another sender holds locked or leased are skipped.
    public func claimStatusChanges(owner: String, now: Double, leaseUntil: Double, createdAfter: Double, limit: Int)
        async throws(VaultError) -> [ClaimedStatusChange]
    {
        let claim = "\(owner):\(SecureRandom.token().prefix(12))"
        let limit = Int64(max(0, limit))
        return try await rows(
            """
            UPDATE status_outbox SET claim = \(claim), lease_until = \(leaseUntil), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM status_outbox
                WHERE state = 'pending' AND next_attempt_at <= \(now) AND created_at > \(createdAfter)
                    AND (lease_until IS NULL OR lease_until < \(now))
                ORDER BY created_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING *
            """
        ) { row in
            ClaimedStatusChange(
                change: try Self.statusChange(row), attempts: Int(try row["attempts"].decode(Int64.self)), claim: claim)
        }.sorted { ($0.change.at, $0.change.id) < ($1.change.at, $1.change.id) }
    }

    /// Ends an attempt.
    public func finishStatusChange(
        id: String, claim: String, state: StatusChangeState, nextAttemptAt: Double, error: String?, at: Double
    ) async throws(VaultError) -> Bool {
        let finished: Double? = state == .pending ? nil : at
        return try await execute(
            """
            UPDATE status_outbox SET state = \(state.rawValue), next_attempt_at = \(nextAttemptAt),
                last_error = \(error), claim = NULL, lease_until = NULL, finished_at = \(finished)
            WHERE id = \(id) AND claim = \(claim)
            RETURNING 1
            """) == 1
    }

    /// The team's outbox rows.
    public func statusChanges(team: String) async throws(VaultError) -> [StatusOutboxEntry] {
        try await rows("SELECT * FROM status_outbox WHERE team = \(team) ORDER BY created_at, id") { row in
            StatusOutboxEntry(
                change: try Self.statusChange(row),
                state: StatusChangeState(rawValue: try row["state"].decode(String.self)) ?? .dead,
                attempts: Int(try row["attempts"].decode(Int64.self)),
                lastError: try row["last_error"].decode(String?.self))
        }
    }

    static func statusChange(_ row: PostgresRandomAccessRow) throws -> StatusChange {
        guard let type = StatusChange.Kind(rawValue: try row["type"].decode(String.self)) else {
            throw VaultError.storage("an outbox row has an unknown type")
        }
        return StatusChange(
            id: try row["id"].decode(String.self), type: type, team: try row["team"].decode(String.self),
            connection: try row["connection"].decode(String.self), name: try row["name"].decode(String.self),
            kind: try row["kind"].decode(String.self), status: try row["status"].decode(String.self),
            reason: try row["reason"].decode(String?.self), at: try row["created_at"].decode(Double.self))
    }
}
