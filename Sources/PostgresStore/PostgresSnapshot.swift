import Foundation
import PostgresNIO
import Vault

/// Reading a whole PostgreSQL vault, and writing one into an empty database, for `StoreCopy`.
extension PostgresVaultStore {
    /// Every row of every table, in one repeatable-read transaction (a consistent snapshot).
    func snapshot() async throws(VaultError) -> StoreSnapshot {
        try await transaction { db in
            try await self.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", on: db)
            var snapshot = StoreSnapshot()
            for table in StoreTables.all {
                let rows = try await self.rows(
                    PostgresQuery(unsafeSQL: "SELECT \(table.columnList) FROM \(table.name)"), on: db)
                snapshot.rows[table.name] = try rows.map { row in
                    try table.columns.map { column in
                        switch column.kind {
                        case .text: .text(try row[column.name].decode(String?.self))
                        case .integer: .integer(try row[column.name].decode(Int64?.self))
                        case .real: .real(try row[column.name].decode(Double?.self))
                        case .bytes: .bytes(try row[column.name].decode(Data?.self))
                        }
                    }
                }
            }
            return snapshot
        }
    }

    /// How many rows the vault's tables hold in all.
    func rowCount() async throws(VaultError) -> Int {
        try await withConnection { db in
            var total = 0
            for table in StoreTables.all {
                total +=
                    try await self.rows(
                        PostgresQuery(unsafeSQL: "SELECT COUNT(*) AS n FROM \(table.name)"), on: db
                    ).first.map { try $0["n"].decode(Int.self) } ?? 0
            }
            return total
        }
    }

    /// Writes `snapshot` in one transaction: every row or, on any failure, none.
    func restore(_ snapshot: StoreSnapshot) async throws(VaultError) {
        try await transaction { db in
            for table in StoreTables.all {
                let placeholders = (1...table.columns.count).map { "$\($0)" }.joined(separator: ", ")
                let sql = "INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(placeholders))"
                for row in snapshot.rows[table.name] ?? [] {
                    var binds = PostgresBindings(capacity: row.count)
                    for value in row {
                        switch value {
                        case .text(let text): text.map { binds.append($0) } ?? binds.appendNull()
                        case .integer(let integer): integer.map { binds.append($0) } ?? binds.appendNull()
                        case .real(let real): real.map { binds.append($0) } ?? binds.appendNull()
                        case .bytes(let bytes):
                            if let bytes { try binds.append(bytes) } else { binds.appendNull() }
                        }
                    }
                    try await self.execute(PostgresQuery(unsafeSQL: sql, binds: binds), on: db)
                }
            }
        }
    }
}
