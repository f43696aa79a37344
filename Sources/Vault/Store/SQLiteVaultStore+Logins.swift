import Foundation
import GRDB

/// Logins in progress and Add New targets in the vault's SQLite file, through GRDB's async
/// `DatabasePool` API. Taking a login is one `DELETE … RETURNING`, so two callbacks with the
/// same `state` cannot both get it.
extension SQLiteVaultStore {
    /// Migration "v5: logins". Plain SQL that PostgreSQL also accepts.
    static func createLoginTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE pending_logins (
                    key_hash TEXT NOT NULL PRIMARY KEY,
                    team TEXT NOT NULL,
                    connection_id TEXT NOT NULL,
                    connection_version BIGINT NOT NULL,
                    binding TEXT NOT NULL,
                    flow BLOB NOT NULL,
                    started_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL
                );
                CREATE INDEX pending_logins_team ON pending_logins(team);
                CREATE TABLE add_new_targets (
                    connection_id TEXT NOT NULL PRIMARY KEY,
                    team TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    component TEXT NOT NULL,
                    changed_by TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL
                );
                """)
    }

    /// Stores a login that waits for its callback.
    public func insertLogin(_ login: StoredLogin) async throws(VaultError) {
        try await writeLogins { db in
            try db.execute(
                sql: """
                    INSERT INTO pending_logins (key_hash, team, connection_id, connection_version, binding, flow, started_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    login.keyHash, login.team, login.connectionID, login.connectionVersion, login.binding, login.flow,
                    login.startedAt, login.expiresAt,
                ])
        }
    }

    /// The login with this key hash, if it is still stored.
    public func login(keyHash: String) async throws(VaultError) -> StoredLogin? {
        try await readLogins { db in
            try Row.fetchOne(db, sql: "SELECT * FROM pending_logins WHERE key_hash = ?", arguments: [keyHash]).map(
                Self.storedLogin)
        }
    }

    /// Removes the login and returns it, in one statement.
    public func takeLogin(keyHash: String) async throws(VaultError) -> StoredLogin? {
        try await writeLogins { db in
            try Row.fetchOne(db, sql: "DELETE FROM pending_logins WHERE key_hash = ? RETURNING *", arguments: [keyHash])
                .map(Self.storedLogin)
        }
    }

    /// Whether `team` has logins waiting.
    public func hasLogins(team: String) async throws(VaultError) -> Bool {
        try await readLogins { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pending_logins WHERE team = ?)", arguments: [team])
                ?? false
        }
    }

    /// Deletes logins that expired before `time`.
    public func purgeLogins(expiredBefore time: Double) async throws(VaultError) -> Int {
        try await writeLogins { db in
            try db.execute(sql: "DELETE FROM pending_logins WHERE expires_at < ?", arguments: [time])
            return db.changesCount
        }
    }

    /// Remembers (or replaces) what to select once a connection's login finishes.
    public func putAddNewTarget(_ target: StoredAddNewTarget) async throws(VaultError) {
        try await writeLogins { db in
            try db.execute(
                sql: """
                    INSERT INTO add_new_targets (connection_id, team, agent, component, changed_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (connection_id) DO UPDATE SET team = excluded.team, agent = excluded.agent, component = excluded.component,
                        changed_by = excluded.changed_by, created_at = excluded.created_at
                    """,
                arguments: [
                    target.connectionID, target.team, target.agent, target.component, target.changedBy,
                    target.createdAt,
                ])
        }
    }

    /// Removes and returns the target of a connection of `team`, if any.
    public func takeAddNewTarget(connectionID: String, team: String) async throws(VaultError) -> StoredAddNewTarget? {
        try await writeLogins { db in
            try Row.fetchOne(
                db, sql: "DELETE FROM add_new_targets WHERE connection_id = ? AND team = ? RETURNING *",
                arguments: [connectionID, team]
            ).map { row in
                StoredAddNewTarget(
                    connectionID: row["connection_id"], team: row["team"], agent: row["agent"],
                    component: row["component"],
                    changedBy: row["changed_by"], createdAt: row["created_at"])
            }
        }
    }

    /// Deletes targets asked for before `time`.
    public func purgeAddNewTargets(createdBefore time: Double) async throws(VaultError) -> Int {
        try await writeLogins { db in
            try db.execute(sql: "DELETE FROM add_new_targets WHERE created_at < ?", arguments: [time])
            return db.changesCount
        }
    }

    private static func storedLogin(_ row: Row) -> StoredLogin {
        StoredLogin(
            keyHash: row["key_hash"], team: row["team"], connectionID: row["connection_id"],
            connectionVersion: row["connection_version"], binding: row["binding"], flow: row["flow"],
            startedAt: row["started_at"], expiresAt: row["expires_at"])
    }

    private func readLogins<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError)
        -> T
    {
        do { return try await pool.read(body) } catch { throw (error as? VaultError) ?? .storage(Self.describe(error)) }
    }

    private func writeLogins<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError)
        -> T
    {
        do { return try await pool.write(body) } catch {
            throw (error as? VaultError) ?? .storage(Self.describe(error))
        }
    }
}
