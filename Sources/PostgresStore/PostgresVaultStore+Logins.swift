import Foundation
import PostgresNIO
import Vault

/// Logins in progress and Add New targets, as rows: a callback that lands on any node finds
/// them. Taking one is a single `DELETE … RETURNING`, so a callback is used at most once
/// however many nodes receive it at the same time.
extension PostgresVaultStore {
    /// Stores a login that waits for its callback.
    public func insertLogin(_ login: StoredLogin) async throws(VaultError) {
        try await execute(
            """
            INSERT INTO pending_logins (key_hash, team, connection_id, connection_version, binding, flow, started_at,
                expires_at)
            VALUES (\(login.keyHash), \(login.team), \(login.connectionID), \(login.connectionVersion), \(login.binding),
                \(login.flow), \(login.startedAt), \(login.expiresAt))
            """)
    }

    /// The login with this key hash, if it is still stored.
    public func login(keyHash: String) async throws(VaultError) -> StoredLogin? {
        try await rows("SELECT * FROM pending_logins WHERE key_hash = \(keyHash)", Self.login).first
    }

    /// Removes the login and returns it, in one statement.
    public func takeLogin(keyHash: String) async throws(VaultError) -> StoredLogin? {
        try await rows("DELETE FROM pending_logins WHERE key_hash = \(keyHash) RETURNING *", Self.login).first
    }

    /// Whether `team` has logins waiting.
    public func hasLogins(team: String) async throws(VaultError) -> Bool {
        try await execute("SELECT 1 FROM pending_logins WHERE team = \(team) LIMIT 1") == 1
    }

    /// Deletes logins that expired before `time`; returns how many.
    public func purgeLogins(expiredBefore time: Double) async throws(VaultError) -> Int {
        try await execute("DELETE FROM pending_logins WHERE expires_at < \(time) RETURNING 1")
    }

    /// Remembers (or replaces) what to select once a connection's login finishes.
    public func putAddNewTarget(_ target: StoredAddNewTarget) async throws(VaultError) {
        try await execute(
            """
            INSERT INTO add_new_targets (connection_id, team, agent, component, changed_by, created_at)
            VALUES (\(target.connectionID), \(target.team), \(target.agent), \(target.component), \(target.changedBy),
                \(target.createdAt))
            ON CONFLICT (connection_id) DO UPDATE SET team = excluded.team, agent = excluded.agent,
                component = excluded.component, changed_by = excluded.changed_by, created_at = excluded.created_at
            """)
    }

    /// Removes and returns the target of a connection of `team`, if any.
    public func takeAddNewTarget(connectionID: String, team: String) async throws(VaultError) -> StoredAddNewTarget? {
        try await rows(
            "DELETE FROM add_new_targets WHERE connection_id = \(connectionID) AND team = \(team) RETURNING *"
        ) { row in
            StoredAddNewTarget(
                connectionID: try row["connection_id"].decode(String.self), team: try row["team"].decode(String.self),
                agent: try row["agent"].decode(String.self), component: try row["component"].decode(String.self),
                changedBy: try row["changed_by"].decode(String.self),
                createdAt: try row["created_at"].decode(Double.self))
        }.first
    }

    /// Deletes targets asked for before `time`; returns how many.
    public func purgeAddNewTargets(createdBefore time: Double) async throws(VaultError) -> Int {
        try await execute("DELETE FROM add_new_targets WHERE created_at < \(time) RETURNING 1")
    }

    static func login(_ row: PostgresRandomAccessRow) throws -> StoredLogin {
        StoredLogin(
            keyHash: try row["key_hash"].decode(String.self), team: try row["team"].decode(String.self),
            connectionID: try row["connection_id"].decode(String.self),
            connectionVersion: try row["connection_version"].decode(Int64.self),
            binding: try row["binding"].decode(String.self), flow: try row["flow"].decode(Data.self),
            startedAt: try row["started_at"].decode(Double.self), expiresAt: try row["expires_at"].decode(Double.self))
    }
}
