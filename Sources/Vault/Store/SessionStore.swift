import Foundation

/// A signed-in browser session of `keyflow serve`, as stored. Only a hash of the session id
/// (the cookie's secret) is kept, so a reader of the database can't sign in with it.
public struct StoredSession: Sendable, Equatable {
    /// SHA-256 of the session id, hex.
    public var idHash: String
    /// The user who signed in.
    public var userID: String
    public var createdAt: Double
    public var expiresAt: Double

    /// A session row.
    public init(idHash: String, userID: String, createdAt: Double, expiresAt: Double) {
        self.idHash = idHash
        self.userID = userID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Where browser sessions live: in the shared store, so that every node serving the vault
/// sees a sign-out, a "sign out everywhere", a token rotation or a removed user at once.
/// Plain values only, so that any database (SQLite, PostgreSQL) can implement it.
public protocol SessionStore: Sendable {
    /// Adds a session.
    func insertSession(_ session: StoredSession) throws(VaultError)
    /// The session whose id hashes to `idHash`, expired or not.
    func session(idHash: String) throws(VaultError) -> StoredSession?
    /// Ends one session; false when there was none.
    func deleteSession(idHash: String) throws(VaultError) -> Bool
    /// Ends every session of a user; returns how many there were.
    @discardableResult func deleteSessions(userID: String) throws(VaultError) -> Int
    /// Forgets sessions that expired before `time` (seconds since 1970); returns how many.
    @discardableResult func purgeSessions(expiredBefore time: Double) throws(VaultError) -> Int
}
