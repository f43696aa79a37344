import Foundation
import PostgresNIO
import Vault

/// The serve nodes using this database, by heartbeat.
extension PostgresVaultStore {
    /// Adds the node or records its heartbeat.
    public func announce(_ node: ServeNode) async throws(VaultError) {
        try await execute(
            """
            INSERT INTO serve_nodes (id, host, pid, started_at, seen_at)
            VALUES (\(node.id), \(node.host), \(node.pid), \(node.startedAt), \(node.seenAt))
            ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
            """)
    }

    /// Removes the node; false when it was not there.
    @discardableResult
    public func retire(nodeID: String) async throws(VaultError) -> Bool {
        try await execute("DELETE FROM serve_nodes WHERE id = \(nodeID) RETURNING 1") == 1
    }

    /// The nodes heard from after `time`.
    public func nodes(seenAfter time: Double) async throws(VaultError) -> [ServeNode] {
        try await rows("SELECT * FROM serve_nodes WHERE seen_at > \(time) ORDER BY started_at") { row in
            ServeNode(
                id: try row["id"].decode(String.self), host: try row["host"].decode(String.self),
                pid: try row["pid"].decode(Int64.self), startedAt: try row["started_at"].decode(Double.self),
                seenAt: try row["seen_at"].decode(Double.self))
        }
    }
}
