import Vault

/// Where the users of `keyflow serve` and their browser sessions live: in the shared store,
/// so that every node serving the vault sees a new user, a sign-out, a "sign out everywhere",
/// a token rotation or a removed user at once. Plain values only, so that any database
/// (SQLite, PostgreSQL) can implement it; every call is async, so no caller's thread waits
/// for the database. Implementations throw `VaultError.storage` when the store itself fails
/// and never put a token or its hash in an error.
public protocol AccountStore: Sendable {
    /// Adds a user.
    func addUser(_ user: StoredUser) async throws(VaultError)
    /// The user whose API token hashes to `tokenHash`, if any.
    func user(tokenHash: String) async throws(VaultError) -> StoredUser?
    /// Every user, sorted by team, then name.
    func users() async throws(VaultError) -> [StoredUser]
    /// Gives a user a new API token (its hash) and ends all their sessions, in one write:
    /// nothing can leave a session alive after the token it was signed in with. False when
    /// there is no such user.
    func replaceUserToken(id: String, tokenHash: String) async throws(VaultError) -> Bool
    /// Removes a user and ends all their sessions, in one write; false when there was none.
    func deleteUser(id: String) async throws(VaultError) -> Bool

    /// Adds a session.
    func insertSession(_ session: StoredSession) async throws(VaultError)
    /// The session whose id hashes to `idHash`, expired or not.
    func session(idHash: String) async throws(VaultError) -> StoredSession?
    /// Ends one session; false when there was none.
    func deleteSession(idHash: String) async throws(VaultError) -> Bool
    /// Ends every session of a user; returns how many there were.
    @discardableResult func deleteSessions(userID: String) async throws(VaultError) -> Int
    /// Forgets sessions that expired before `time` (seconds since 1970); returns how many.
    @discardableResult func purgeSessions(expiredBefore time: Double) async throws(VaultError) -> Int
}
