/// Where logins in progress and "+ Add New" selections wait, so that a login started on one
/// node (or before a restart) can be finished on another. Every method is async and takes
/// plain values, so SQLite and PostgreSQL implement it alike.
public protocol LoginStore: Sendable {
    /// Stores a login that waits for its callback.
    func insertLogin(_ login: StoredLogin) async throws(VaultError)
    /// The login with this key hash, if it is still stored.
    func login(keyHash: String) async throws(VaultError) -> StoredLogin?
    /// Removes the login and returns it; nil when it was not there (or another caller took it
    /// first), so a callback is used at most once however many arrive at the same time.
    func takeLogin(keyHash: String) async throws(VaultError) -> StoredLogin?
    /// Whether `team` has logins waiting (a listener stops once none is left).
    func hasLogins(team: String) async throws(VaultError) -> Bool
    /// Deletes logins that expired before `time`; returns how many.
    func purgeLogins(expiredBefore time: Double) async throws(VaultError) -> Int

    /// Remembers (or replaces) what to select once a connection's login finishes.
    func putAddNewTarget(_ target: StoredAddNewTarget) async throws(VaultError)
    /// Removes and returns the target of a connection of `team`, if any.
    func takeAddNewTarget(connectionID: String, team: String) async throws(VaultError) -> StoredAddNewTarget?
    /// Deletes targets asked for before `time`; returns how many.
    func purgeAddNewTargets(createdBefore time: Double) async throws(VaultError) -> Int
}
