import Foundation
import Vault

/// Opens the store a `DatabaseURL` names: the one place that knows every kind of store.
public enum StoreOpener {
    /// The store at `location`, its schema brought up to date unless `migrate` is false.
    public static func open(_ location: DatabaseURL, migrate: Bool = true) async throws(VaultError) -> any VaultStore {
        switch location {
        case .sqlite(let path):
            // Opening an SQLite vault always applies its migrations (GRDB's migrator).
            return try SQLiteVaultStore(path: path)
        case .postgres(let url):
            return try await PostgresVaultStore.open(url, migrate: migrate)
        }
    }
}
