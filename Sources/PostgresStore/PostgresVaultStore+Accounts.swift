import Accounts
import Foundation
import PostgresNIO
import Vault

/// Users and browser sessions, shared by every node: a sign-out or a removed user on one node
/// is seen by the next request on any other.
extension PostgresVaultStore: AccountStore {
    /// Adds a user.
    public func addUser(_ user: StoredUser) async throws(VaultError) {
        try await execute(
            """
            INSERT INTO users (id, name, team, token_hash, created_at)
            VALUES (\(user.id), \(user.name), \(user.team), \(user.tokenHash), \(user.createdAt))
            """)
    }

    /// The user whose API token has this hash, if any.
    public func user(tokenHash: String) async throws(VaultError) -> StoredUser? {
        try await rows("SELECT * FROM users WHERE token_hash = \(tokenHash)", Self.user).first
    }

    /// Every user, by team, then name.
    public func users() async throws(VaultError) -> [StoredUser] {
        try await rows("SELECT * FROM users ORDER BY team, name", Self.user)
    }

    /// Gives a user a new token hash and ends their sessions, in one transaction; false when
    /// there is no such user.
    public func replaceUserToken(id: String, tokenHash: String) async throws(VaultError) -> Bool {
        try await transaction { db in
            guard
                try await self.execute(
                    "UPDATE users SET token_hash = \(tokenHash) WHERE id = \(id) RETURNING 1", on: db) == 1
            else { return false }
            try await self.execute("DELETE FROM web_sessions WHERE user_id = \(id)", on: db)
            return true
        }
    }

    /// Removes a user and their sessions, in one transaction; false when there was none.
    public func deleteUser(id: String) async throws(VaultError) -> Bool {
        try await transaction { db in
            guard try await self.execute("DELETE FROM users WHERE id = \(id) RETURNING 1", on: db) == 1 else {
                return false
            }
            try await self.execute("DELETE FROM web_sessions WHERE user_id = \(id)", on: db)
            return true
        }
    }

    /// Stores a new browser session.
    public func insertSession(_ session: StoredSession) async throws(VaultError) {
        try await execute(
            """
            INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at)
            VALUES (\(session.idHash), \(session.userID), \(session.createdAt), \(session.expiresAt))
            """)
    }

    /// The session whose id has this hash, expired or not.
    public func session(idHash: String) async throws(VaultError) -> StoredSession? {
        try await rows("SELECT * FROM web_sessions WHERE id_hash = \(idHash)") { row in
            StoredSession(
                idHash: try row["id_hash"].decode(String.self), userID: try row["user_id"].decode(String.self),
                createdAt: try row["created_at"].decode(Double.self),
                expiresAt: try row["expires_at"].decode(Double.self))
        }.first
    }

    /// Ends one session; false when there was none.
    public func deleteSession(idHash: String) async throws(VaultError) -> Bool {
        try await execute("DELETE FROM web_sessions WHERE id_hash = \(idHash) RETURNING 1") == 1
    }

    /// Ends every session of a user; returns how many.
    @discardableResult
    public func deleteSessions(userID: String) async throws(VaultError) -> Int {
        try await execute("DELETE FROM web_sessions WHERE user_id = \(userID) RETURNING 1")
    }

    /// Forgets sessions that expired before `time`; returns how many.
    @discardableResult
    public func purgeSessions(expiredBefore time: Double) async throws(VaultError) -> Int {
        try await execute("DELETE FROM web_sessions WHERE expires_at < \(time) RETURNING 1")
    }

    static func user(_ row: PostgresRandomAccessRow) throws -> StoredUser {
        StoredUser(
            id: try row["id"].decode(String.self), name: try row["name"].decode(String.self),
            team: try row["team"].decode(String.self), tokenHash: try row["token_hash"].decode(String.self),
            createdAt: try row["created_at"].decode(Double.self))
    }
}
