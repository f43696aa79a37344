import Foundation
import Vault

/// `keyflow db copy`: a whole vault from one store to another (SQLite ↔ PostgreSQL, either
/// way), sealed bytes as they are, nothing decrypted, all or nothing. Refused when a
/// `keyflow serve` is using the source (its writes after the snapshot would be lost) or when
/// the destination already holds rows (a copy never merges).
public enum StoreCopy {
    /// What was copied.
    public struct Report: Sendable {
        /// Rows copied in all.
        public let rows: Int
        /// "3 connections, 1 users, …".
        public let summary: String
    }

    /// Why a copy did not start; nothing was written.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        /// What to do about it.
        public let description: String
    }

    /// Copies `source` into `destination` (whose schema is brought up to date first).
    public static func run(
        from source: DatabaseURL, to destination: DatabaseURL, now: Double = Date().timeIntervalSince1970
    )
        async throws -> Report
    {
        guard source != destination else {
            throw Refusal(description: "the source and the destination are the same store")
        }
        if case .sqlite(let path) = source, !FileManager.default.fileExists(atPath: path.path) {
            throw Refusal(description: "the source \(source) does not exist")
        }
        let from = try await StoreOpener.open(source)
        let to = try await StoreOpener.open(destination)
        defer {
            (from as? PostgresVaultStore)?.close()
            (to as? PostgresVaultStore)?.close()
        }
        let live = try await from.nodes(seenAfter: now - ServeNode.staleAfter)
        if let node = live.first {
            throw Refusal(
                description:
                    "keyflow serve is using the source (\(node.host), pid \(node.pid)\(live.count > 1 ? ", and \(live.count - 1) more" : "")): stop it first, or its writes after the copy would be lost"
            )
        }
        let existing = try await rowCount(to)
        guard existing == 0 else {
            throw Refusal(
                description:
                    "the destination \(destination) already holds \(existing) rows; copy only into an empty store")
        }
        var snapshot = try await snapshot(from)
        // Leases name processes of the source; none of them refreshes in the destination.
        if let index = StoreTables.all.first(where: { $0.name == "connections" })?.columns.firstIndex(where: {
            $0.name == "lease_owner"
        }) {
            snapshot.rows["connections"] = snapshot.rows["connections"]?.map { row in
                var row = row
                row[index] = .text(nil)
                row[index + 1] = .real(nil)
                return row
            }
        }
        try await restore(snapshot, into: to)
        return Report(rows: snapshot.count, summary: snapshot.summary)
    }

    static func snapshot(_ store: any VaultStore) async throws -> StoreSnapshot {
        switch store {
        case let sqlite as SQLiteVaultStore: return try await sqlite.snapshot()
        case let postgres as PostgresVaultStore: return try await postgres.snapshot()
        default: throw Refusal(description: "this store cannot be copied")
        }
    }

    static func rowCount(_ store: any VaultStore) async throws -> Int {
        switch store {
        case let sqlite as SQLiteVaultStore: return try await sqlite.rowCount()
        case let postgres as PostgresVaultStore: return try await postgres.rowCount()
        default: throw Refusal(description: "this store cannot be copied")
        }
    }

    static func restore(_ snapshot: StoreSnapshot, into store: any VaultStore) async throws {
        switch store {
        case let sqlite as SQLiteVaultStore: try await sqlite.restore(snapshot)
        case let postgres as PostgresVaultStore: try await postgres.restore(snapshot)
        default: throw Refusal(description: "this store cannot be copied")
        }
    }
}
