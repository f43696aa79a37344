import Foundation
import GRDB
import Vault

/// Users and browser sessions in the vault's SQLite file (tables `users` and `web_sessions`,
/// created by the vault's own migrations "v2: users" and "v4: web sessions"), through GRDB's
/// async `DatabasePool` API: a caller waits without blocking a thread.
extension SQLiteVaultStore: AccountStore {
    /// Stores a new user; the token hash must be unique.
    public func addUser(_ user: StoredUser) async throws(VaultError) {
        try await writeAccounts { db in
            try db.execute(
                sql: "INSERT INTO users (id, name, team, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [user.id, user.name, user.team, user.tokenHash, user.createdAt])
        }
    }

    /// The user whose API token has this hash, if any.
    public func user(tokenHash: String) async throws(VaultError) -> StoredUser? {
        try await readAccounts { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE token_hash = ?", arguments: [tokenHash]).map(
                Self.storedUser)
        }
    }

    /// Every user of every team.
    public func users() async throws(VaultError) -> [StoredUser] {
        try await readAccounts { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY team, name").map(Self.storedUser)
        }
    }

    /// Gives a user a new token hash and ends their sessions, in one transaction; false when
    /// there is no such user.
    public func replaceUserToken(id: String, tokenHash: String) async throws(VaultError) -> Bool {
        try await writeAccounts { db in
            try db.execute(sql: "UPDATE users SET token_hash = ? WHERE id = ?", arguments: [tokenHash, id])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM web_sessions WHERE user_id = ?", arguments: [id])
            return true
        }
    }

    /// Removes a user and their sessions, in one transaction; false when there was none.
    public func deleteUser(id: String) async throws(VaultError) -> Bool {
        try await writeAccounts { db in
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM web_sessions WHERE user_id = ?", arguments: [id])
            return true
        }
    }

    /// Stores a new browser session.
    public func insertSession(_ session: StoredSession) async throws(VaultError) {
        try await writeAccounts { db in
            try db.execute(
                sql: "INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [session.idHash, session.userID, session.createdAt, session.expiresAt])
        }
    }

    /// The session whose id has this hash, if any.
    public func session(idHash: String) async throws(VaultError) -> StoredSession? {
        try await readAccounts { db in
            try Row.fetchOne(db, sql: "SELECT * FROM web_sessions WHERE id_hash = ?", arguments: [idHash]).map {
                StoredSession(
                    idHash: $0["id_hash"], userID: $0["user_id"], createdAt: $0["created_at"],
                    expiresAt: $0["expires_at"])
            }
        }
    }

    /// Ends one session; false when there was none.
    public func deleteSession(idHash: String) async throws(VaultError) -> Bool {
        try await writeAccounts { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE id_hash = ?", arguments: [idHash])
            return db.changesCount == 1
        }
    }

    @discardableResult
    /// Ends every session of a user (sign out everywhere); returns how many.
    public func deleteSessions(userID: String) async throws(VaultError) -> Int {
        try await writeAccounts { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE user_id = ?", arguments: [userID])
            return db.changesCount
        }
    }

    @discardableResult
    /// Deletes the sessions that expired before `time`; returns how many.
    public func purgeSessions(expiredBefore time: Double) async throws(VaultError) -> Int {
        try await writeAccounts { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE expires_at < ?", arguments: [time])
            return db.changesCount
        }
    }

    // MARK: - Plumbing

    private static func storedUser(_ row: Row) -> StoredUser {
        StoredUser(
            id: row["id"], name: row["name"], team: row["team"], tokenHash: row["token_hash"],
            createdAt: row["created_at"])
    }

    /// GRDB's async read: the caller's task waits without blocking a thread.
    private func readAccounts<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError)
        -> T
    {
        do { return try await pool.read(body) } catch { throw Self.accountsError(error) }
    }

    /// GRDB's async write, in one transaction.
    private func writeAccounts<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError)
        -> T
    {
        do { return try await pool.write(body) } catch { throw Self.accountsError(error) }
    }

    private static func accountsError(_ error: Error) -> VaultError {
        (error as? VaultError) ?? .storage(describe(error))
    }
}
