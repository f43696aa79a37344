import Foundation
import GRDB

/// The serve processes using this vault file, by heartbeat.
extension SQLiteVaultStore {
    /// Migration "v6: serve nodes". Plain SQL that PostgreSQL also accepts.
    static func createNodeTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE serve_nodes (
                    id TEXT NOT NULL PRIMARY KEY,
                    host TEXT NOT NULL,
                    pid BIGINT NOT NULL,
                    started_at DOUBLE PRECISION NOT NULL,
                    seen_at DOUBLE PRECISION NOT NULL
                );
                """)
    }

    /// Adds the node or records its heartbeat.
    public func announce(_ node: ServeNode) async throws(VaultError) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO serve_nodes (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
                    """, arguments: [node.id, node.host, node.pid, node.startedAt, node.seenAt])
        }
    }

    /// Removes the node; false when it was not there.
    @discardableResult
    public func retire(nodeID: String) async throws(VaultError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM serve_nodes WHERE id = ?", arguments: [nodeID])
            return db.changesCount == 1
        }
    }

    /// The nodes heard from after `time`.
    public func nodes(seenAfter time: Double) async throws(VaultError) -> [ServeNode] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM serve_nodes WHERE seen_at > ? ORDER BY started_at", arguments: [time]
            )
            .map { row in
                ServeNode(
                    id: row["id"], host: row["host"], pid: row["pid"], startedAt: row["started_at"],
                    seenAt: row["seen_at"])
            }
        }
    }
}
