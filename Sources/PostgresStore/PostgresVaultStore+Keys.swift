import Foundation
import PostgresNIO
import Vault

/// Vault keys (`{{KEY(NAME)}}` values), sealed, one per team and name.
extension PostgresVaultStore {
    /// Stores (or replaces) a vault key, keeping its `createdAt`.
    public func putKey(_ key: StoredKey) async throws(VaultError) {
        try await execute(
            """
            INSERT INTO vault_keys (team, name, key_id, wrapped_key, value, created_at, updated_at)
            VALUES (\(key.team), \(key.name), \(key.keyID), \(key.wrappedKey), \(key.value), \(key.createdAt),
                \(key.updatedAt))
            ON CONFLICT (team, name) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key,
                value = excluded.value, updated_at = excluded.updated_at
            """)
    }

    /// The team's vault key `name`, if any.
    public func fetchKey(team: String, name: String) async throws(VaultError) -> StoredKey? {
        try await rows("SELECT * FROM vault_keys WHERE team = \(team) AND name = \(name)", Self.key).first
    }

    /// The team's vault keys, by name.
    public func listKeys(team: String) async throws(VaultError) -> [StoredKey] {
        try await rows("SELECT * FROM vault_keys WHERE team = \(team) ORDER BY name", Self.key)
    }

    /// Deletes the team's vault key `name`; false when there was none.
    public func deleteKey(team: String, name: String) async throws(VaultError) -> Bool {
        try await execute("DELETE FROM vault_keys WHERE team = \(team) AND name = \(name) RETURNING 1") == 1
    }

    static func key(_ row: PostgresRandomAccessRow) throws -> StoredKey {
        StoredKey(
            team: try row["team"].decode(String.self), name: try row["name"].decode(String.self),
            keyID: try row["key_id"].decode(String.self), wrappedKey: try row["wrapped_key"].decode(Data.self),
            value: try row["value"].decode(Data.self), createdAt: try row["created_at"].decode(Double.self),
            updatedAt: try row["updated_at"].decode(Double.self))
    }
}
