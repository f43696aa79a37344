import Foundation
import PostgresNIO
import Vault

/// The cross-node refresh lock: a transaction holding `SELECT … FOR UPDATE` on the connection
/// row. PostgreSQL releases it when the transaction ends or the node's connection drops, so a
/// node that dies mid-refresh blocks nobody; the new tokens (the rotated refresh token among
/// them) are committed before the broker hands out the access token.
extension PostgresVaultStore: RowLockingConnectionStore {
    /// Runs `body` on the locked row and writes what it returns, in one transaction.
    public func withLockedConnection<T: Sendable>(
        id: String, team: String, _ body: @Sendable (StoredConnection) async -> (write: StoredConnection?, result: T)
    ) async throws(VaultError) -> T? {
        try await transaction { db -> T? in
            guard
                let row = try await self.rows(
                    "SELECT * FROM connections WHERE id = \(id) AND team = \(team) FOR UPDATE", on: db
                ).first.map(Self.connection)
            else { return nil }
            let (write, result) = await body(row)
            if let write {
                guard try await self.replace(write, expectedVersion: row.version, on: db) else {
                    throw VaultError.conflict("connection \(id)")  // cannot happen while the row is locked
                }
                // A refresh the provider refused turns the row needs-reauth: reported from this transaction.
                if let change = StatusChange.between(row, write) { try await self.insertOutbox(change, on: db) }
            }
            return result
        }
    }
}
