/// Where the named secrets of `{{KEY(NAME)}}` templates live, sealed; one per team and name.
/// Async like `ConnectionStore`, with plain values only, so any database can implement it.
public protocol KeyStore: Sendable {
    /// Adds the key, or replaces the one of that team and name (keeping its `createdAt`).
    func putKey(_ key: StoredKey) async throws(VaultError)
    /// The team's key of that name; nil when there is none.
    func fetchKey(team: String, name: String) async throws(VaultError) -> StoredKey?
    /// The team's keys, by name.
    func listKeys(team: String) async throws(VaultError) -> [StoredKey]
    /// Deletes the key; false when there was none.
    func deleteKey(team: String, name: String) async throws(VaultError) -> Bool
}
