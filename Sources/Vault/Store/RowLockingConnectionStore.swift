/// A store that can keep one connection row locked while its tokens are refreshed, so that
/// refresh is single-flight across every node without a lease that could run out under a
/// slow provider. PostgreSQL does it with a transaction holding `SELECT … FOR UPDATE` (the
/// server frees the lock if the node dies); SQLite, whose writers lock the whole file, keeps
/// the broker's lease and process check instead and does not adopt this protocol.
public protocol RowLockingConnectionStore: ConnectionStore {
    /// Locks the row `id` of `team`, hands `body` the row as it is now, writes the row `body`
    /// returns (if any, as version + 1) and commits, then returns `body`'s result; nil when
    /// there is no such row. While `body` runs, another caller of this method for the same
    /// row, on any node, waits, and so does any other write to the row. If the commit fails
    /// nothing is written and the error is thrown.
    func withLockedConnection<T: Sendable>(
        id: String, team: String, _ body: @Sendable (StoredConnection) async -> (write: StoredConnection?, result: T)
    ) async throws(VaultError) -> T?
}
