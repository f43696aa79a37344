import Foundation
import GRDB
import Vault

/// Reading a whole SQLite vault, and writing one into an empty SQLite vault, for `StoreCopy`.
extension SQLiteVaultStore {
    /// Every row of every table, in one read transaction (a consistent snapshot).
    func snapshot() async throws(VaultError) -> StoreSnapshot {
        do {
            return try await pool.read { db in
                var snapshot = StoreSnapshot()
                for table in StoreTables.all {
                    snapshot.rows[table.name] = try Row.fetchAll(
                        db, sql: "SELECT \(table.columnList) FROM \(table.name)"
                    )
                    .map { row in
                        try table.columns.enumerated().map { index, column in
                            try Self.value(row[index], kind: column.kind, at: "\(table.name).\(column.name)")
                        }
                    }
                }
                return snapshot
            }
        } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// A stored value as its column's kind. SQLite lets any column hold any type; a value of
    /// another type (a file edited by hand) is an error naming its column, never a crash.
    static func value(_ stored: DatabaseValue, kind: StoreTables.Kind, at column: String) throws -> StoredValue {
        func convert<T: DatabaseValueConvertible>(_: T.Type) throws -> T? {
            if stored.isNull { return nil }
            guard let value = T.fromDatabaseValue(stored) else {
                throw VaultError.storage("a row's \(column) holds a value of the wrong type")
            }
            return value
        }
        switch kind {
        case .text: return .text(try convert(String.self))
        case .integer: return .integer(try convert(Int64.self))
        case .real: return .real(try convert(Double.self))
        case .bytes: return .bytes(try convert(Data.self))
        }
    }

    /// How many rows the vault's tables hold in all.
    func rowCount() async throws(VaultError) -> Int {
        do {
            return try await pool.read { db in
                try StoreTables.all.reduce(0) { total, table in
                    total + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0)
                }
            }
        } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// Writes `snapshot` in one transaction: every row or, on any failure, none.
    func restore(_ snapshot: StoreSnapshot) async throws(VaultError) {
        do {
            try await pool.write { db in
                for table in StoreTables.all {
                    let placeholders = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
                    let statement = try db.makeStatement(
                        sql: "INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(placeholders))")
                    for row in snapshot.rows[table.name] ?? [] {
                        try statement.execute(
                            arguments: StatementArguments(
                                row.map { value -> DatabaseValue in
                                    switch value {
                                    case .text(let text): text.databaseValue
                                    case .integer(let integer): integer.databaseValue
                                    case .real(let real): real.databaseValue
                                    case .bytes(let bytes): bytes.databaseValue
                                    }
                                }))
                    }
                }
            }
        } catch {
            throw .storage(Self.describe(error))
        }
    }
}
