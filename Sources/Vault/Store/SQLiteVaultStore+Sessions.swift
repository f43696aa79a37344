import Foundation
import GRDB

/// Browser sessions in the SQLite vault (table `web_sessions`): the `SessionStore` part of
/// `VaultStore`.
extension SQLiteVaultStore {
    /// The migration "v4: web sessions".
    static func createWebSessions(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE web_sessions (
                id_hash TEXT NOT NULL PRIMARY KEY,
                user_id TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            );
            CREATE INDEX web_sessions_user ON web_sessions(user_id);
            CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);
            """)
    }

    public func insertSession(_ session: StoredSession) throws(VaultError) {
        try write { db in
            try db.execute(sql: "INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [session.idHash, session.userID, session.createdAt, session.expiresAt])
        }
    }

    public func session(idHash: String) throws(VaultError) -> StoredSession? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM web_sessions WHERE id_hash = ?", arguments: [idHash]).map {
                StoredSession(idHash: $0["id_hash"], userID: $0["user_id"], createdAt: $0["created_at"], expiresAt: $0["expires_at"])
            }
        }
    }

    public func deleteSession(idHash: String) throws(VaultError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE id_hash = ?", arguments: [idHash])
            return db.changesCount == 1
        }
    }

    @discardableResult
    public func deleteSessions(userID: String) throws(VaultError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE user_id = ?", arguments: [userID])
            return db.changesCount
        }
    }

    @discardableResult
    public func purgeSessions(expiredBefore time: Double) throws(VaultError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE expires_at < ?", arguments: [time])
            return db.changesCount
        }
    }
}
