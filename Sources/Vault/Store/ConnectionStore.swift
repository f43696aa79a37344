import Foundation

/// Where connection rows live. Every update is a compare-and-swap on `version`, so any
/// database with transactions (SQLite, PostgreSQL) can implement it and several processes
/// or nodes can share one vault. Every method is async: a caller waits without blocking one
/// of Swift's cooperative threads. Implementations throw `VaultError.storage` when the
/// database itself fails, and never put a sealed value in an error.
public protocol ConnectionStore: Sendable {
    /// Adds a new row (version 1).
    func insert(_ connection: StoredConnection) async throws(VaultError)
    /// The row with this id in this team; nil for a missing id and for another team's.
    func fetch(id: String, team: String) async throws(VaultError) -> StoredConnection?
    /// The team's rows, by name.
    func list(team: String) async throws(VaultError) -> [StoredConnection]
    /// The Legacy row kept for an agent's inline OAuth section, if there is one.
    func fetchLegacy(team: String, agentID: String, componentID: String) async throws(VaultError) -> StoredConnection?
    /// Writes `connection` with `version = expectedVersion + 1` if the stored version is still
    /// `expectedVersion`, in one conditional update checked by its changed-row count; returns
    /// false (and writes nothing) otherwise.
    func replace(_ connection: StoredConnection, expectedVersion: Int64) async throws(VaultError) -> Bool
    /// `replace`, and when it wins and `outbox` is given, the status change written to the
    /// outbox in the same transaction (a lost compare-and-swap writes neither).
    func replace(_ connection: StoredConnection, expectedVersion: Int64, outbox: StatusChange?)
        async throws(VaultError) -> Bool
    /// Deletes the row; false when there was none. Throws `VaultError.connectionInUse` (and
    /// deletes nothing) while model routes of its team name it, checked in the same transaction.
    func delete(id: String, team: String) async throws(VaultError) -> Bool
    /// The current version alone: a cheap way to check a cached copy is still current.
    func version(id: String, team: String) async throws(VaultError) -> Int64?

    /// The writes made through this store instance in this process (cached credentials check
    /// their version again after each).
    var localWrites: LocalWriteCounter { get }

    /// The master key ids the stored rows (connections, vault keys and runs) were wrapped with.
    func masterKeyIDs() async throws(VaultError) -> Set<String>
    /// Re-wraps every data key (connections, vault keys and runs) in one transaction: all or none.
    /// `rewrap` gets each row's team, owner and wrapped key and returns the new wrapped key
    /// with its master key id.
    func rewrapAll(
        _ rewrap: @escaping @Sendable (_ team: String, _ owner: String, _ wrapped: Data) throws -> (Data, String))
        async throws(VaultError)
}
