import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded default: SQLite through GRDB, in WAL mode so that readers never wait for a
/// writer, with a busy timeout so that several processes can share one file.
public final class SQLiteVaultStore: VaultStore {
    /// The writes made through this store in this process (see `LocalWriteCounter`).
    public let localWrites = LocalWriteCounter()
    /// Runs queued, finished and cancelled through this store (see `RunStore`).
    public let runEvents = RunEvents()
    /// Not private: the store's extensions (agents here, users and sessions in the Accounts
    /// module) live in files of their own.
    package let pool: DatabasePool

    /// Opens (creating if needed) the vault file and brings its schema up to date.
    public init(path: URL) throws(VaultError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(15)
        configuration.label = "keyflow-vault"
        do {
            try KeyflowHome.createPrivateDirectory(path.deletingLastPathComponent())
            Self.createPrivately(path)
            pool = try DatabasePool(path: path.path, configuration: configuration)
            try Self.migrator.migrate(pool)
            Self.restrictPermissions(path)
        } catch {
            throw .storage("cannot open \(path.path): \(Self.describe(error))")
        }
    }

    /// Creates the empty vault file readable by its owner only, before SQLite opens it:
    /// SQLite gives the `-wal` and `-shm` files it makes the same mode as the database file.
    static func createPrivately(_ path: URL) {
        let descriptor = Glibc.open(path.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Vault files made by versions that left them 0644 become 0600 (best effort: a file owned
    /// by someone else stays as it is).
    static func restrictPermissions(_ path: URL) {
        for suffix in ["", "-wal", "-shm"] { _ = chmod(path.path + suffix, 0o600) }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: connections and keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE connections (
                        id TEXT NOT NULL PRIMARY KEY,
                        team TEXT NOT NULL,
                        name TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        settings BLOB NOT NULL,
                        key_id TEXT NOT NULL,
                        wrapped_key BLOB NOT NULL,
                        secrets BLOB,
                        tokens BLOB,
                        status TEXT NOT NULL,
                        status_reason TEXT,
                        token_expires_at DOUBLE PRECISION,
                        version BIGINT NOT NULL,
                        created_at DOUBLE PRECISION NOT NULL,
                        updated_at DOUBLE PRECISION NOT NULL,
                        legacy_agent_id TEXT,
                        legacy_component_id TEXT,
                        lease_owner TEXT,
                        lease_until DOUBLE PRECISION
                    );
                    CREATE INDEX connections_team ON connections(team, name);
                    CREATE UNIQUE INDEX connections_legacy ON connections(team, legacy_agent_id, legacy_component_id)
                        WHERE legacy_agent_id IS NOT NULL;
                    CREATE TABLE vault_keys (
                        team TEXT NOT NULL,
                        name TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        wrapped_key BLOB NOT NULL,
                        value BLOB NOT NULL,
                        created_at DOUBLE PRECISION NOT NULL,
                        updated_at DOUBLE PRECISION NOT NULL,
                        PRIMARY KEY (team, name)
                    );
                    """)
        }
        migrator.registerMigration("v2: users") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id TEXT NOT NULL PRIMARY KEY,
                        name TEXT NOT NULL,
                        team TEXT NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at DOUBLE PRECISION NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3: agents") { db in try SQLiteVaultStore.createAgentTables(db) }
        // Users and sessions belong to the Accounts module, but their tables stay in this one
        // migrator: migrations run in the order they were registered, and existing vault files
        // recorded them under these names.
        migrator.registerMigration("v4: web sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE web_sessions (
                        id_hash TEXT NOT NULL PRIMARY KEY,
                        user_id TEXT NOT NULL,
                        created_at DOUBLE PRECISION NOT NULL,
                        expires_at DOUBLE PRECISION NOT NULL
                    );
                    CREATE INDEX web_sessions_user ON web_sessions(user_id);
                    CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);
                    """)
        }
        migrator.registerMigration("v5: logins") { db in try SQLiteVaultStore.createLoginTables(db) }
        migrator.registerMigration("v6: serve nodes") { db in try SQLiteVaultStore.createNodeTable(db) }
        migrator.registerMigration("v7: runs") { db in try SQLiteVaultStore.createRunTables(db) }
        migrator.registerMigration("v8: model routes") { db in try SQLiteVaultStore.createModelRouteTable(db) }
        migrator.registerMigration("v9: llm conversations") { db in try SQLiteVaultStore.createConversationTable(db) }
        migrator.registerMigration("v10: connection health") { db in try SQLiteVaultStore.createHealthTables(db) }
        migrator.registerMigration("v11: audit trail") { db in try SQLiteVaultStore.createAuditTables(db) }
        return migrator
    }

    /// The schema steps this Keyflow knows, oldest first (`keyflow db status`).
    public static var migrationNames: [String] { migrator.migrations }

    /// The schema steps the file has applied (all of them: opening applies the missing ones).
    public func appliedMigrations() async throws(VaultError) -> [String] {
        try await read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Inserts a new connection row.
    public func insert(_ connection: StoredConnection) async throws(VaultError) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO connections (id, team, name, kind, settings, key_id, wrapped_key, secrets, tokens, status,
                        status_reason, token_expires_at, version, created_at, updated_at, legacy_agent_id, legacy_component_id,
                        lease_owner, lease_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: Self.arguments(connection))
        }
    }

    /// The team's connection `id`, if any.
    public func fetch(id: String, team: String) async throws(VaultError) -> StoredConnection? {
        try await read { db in
            // Cached: the broker's cold path reads here, and GRDB's authorizer for a statement
            // prepared anew was 6 % of the refresh storm's profile.
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM connections WHERE id = ? AND team = ?"), arguments: [id, team]
            ).map(Self.connection)
        }
    }

    /// The team's connections.
    public func list(team: String) async throws(VaultError) -> [StoredConnection] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM connections WHERE team = ? ORDER BY name, created_at", arguments: [team]
            )
            .map(Self.connection)
        }
    }

    /// The Legacy connection of an agent's component, if any.
    public func fetchLegacy(team: String, agentID: String, componentID: String) async throws(VaultError)
        -> StoredConnection?
    {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM connections WHERE team = ? AND legacy_agent_id = ? AND legacy_component_id = ?
                    """, arguments: [team, agentID, componentID]
            ).map(Self.connection)
        }
    }

    /// The compare-and-swap: one UPDATE that matches only the expected version, checked by its changed-row count.
    public func replace(_ connection: StoredConnection, expectedVersion: Int64) async throws(VaultError) -> Bool {
        try await write { db in try Self.replace(connection, expectedVersion: expectedVersion, db) }
    }

    /// The compare-and-swap inside a write (with the outbox row, `replace(_:expectedVersion:outbox:)`).
    static func replace(_ connection: StoredConnection, expectedVersion: Int64, _ db: Database) throws -> Bool {
        var row = connection
        row.version = expectedVersion + 1
        try db.execute(
            sql: """
                UPDATE connections SET name = ?, kind = ?, settings = ?, key_id = ?, wrapped_key = ?, secrets = ?, tokens = ?,
                    status = ?, status_reason = ?, token_expires_at = ?, version = ?, updated_at = ?, legacy_agent_id = ?,
                    legacy_component_id = ?, lease_owner = ?, lease_until = ?
                WHERE id = ? AND team = ? AND version = ?
                """,
            arguments: [
                row.name, row.kind, row.settings, row.keyID, row.wrappedKey, row.secrets, row.tokens,
                row.status, row.statusReason, row.tokenExpiresAt, row.version, row.updatedAt,
                row.legacyAgentID, row.legacyComponentID, row.leaseOwner, row.leaseUntil,
                row.id, row.team, expectedVersion,
            ])
        return db.changesCount == 1
    }

    /// Deletes the team's connection `id`; false when there was none. Refused while model
    /// routes of the team name it.
    public func delete(id: String, team: String) async throws(VaultError) -> Bool {
        try await write { db in
            let routes = try Self.modelRoutes(using: id, team: team, db)
            guard routes.isEmpty else { throw VaultError.connectionInUse(connection: id, models: routes) }
            try db.execute(sql: "DELETE FROM connections WHERE id = ? AND team = ?", arguments: [id, team])
            let deleted = db.changesCount == 1
            try db.execute(
                sql: "DELETE FROM connection_health WHERE team = ? AND connection = ?", arguments: [team, id])
            return deleted
        }
    }

    /// The current version of the team's connection `id`, if any.
    public func version(id: String, team: String) async throws(VaultError) -> Int64? {
        try await read { db in
            try Int64.fetchOne(
                db, sql: "SELECT version FROM connections WHERE id = ? AND team = ?", arguments: [id, team])
        }
    }

    /// Stores (or replaces) a vault key.
    public func putKey(_ key: StoredKey) async throws(VaultError) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO vault_keys (team, name, key_id, wrapped_key, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (team, name) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key,
                        value = excluded.value, updated_at = excluded.updated_at
                    """,
                arguments: [key.team, key.name, key.keyID, key.wrappedKey, key.value, key.createdAt, key.updatedAt])
        }
    }

    /// The team's vault key `name`, if any.
    public func fetchKey(team: String, name: String) async throws(VaultError) -> StoredKey? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM vault_keys WHERE team = ? AND name = ?", arguments: [team, name])
                .map(Self.key)
        }
    }

    /// The team's vault keys.
    public func listKeys(team: String) async throws(VaultError) -> [StoredKey] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM vault_keys WHERE team = ? ORDER BY name", arguments: [team]).map(
                Self.key)
        }
    }

    /// Deletes the team's vault key `name`; false when there was none.
    public func deleteKey(team: String, name: String) async throws(VaultError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM vault_keys WHERE team = ? AND name = ?", arguments: [team, name])
            return db.changesCount == 1
        }
    }

    /// The ids of the master keys the stored rows were wrapped with.
    public func masterKeyIDs() async throws(VaultError) -> Set<String> {
        try await read { db in
            Set(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT key_id FROM connections UNION SELECT key_id FROM vault_keys UNION SELECT key_id FROM runs
                        UNION SELECT key_id FROM llm_conversations
                        """
                ))
        }
    }

    /// Re-wraps every data key in one transaction: all or none.
    public func rewrapAll(_ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String))
        async throws(VaultError)
    {
        try await write { db in try Self.rewrapRows(db, rewrap) }
    }

    /// The re-wrap of every data key, inside the caller's write transaction.
    static func rewrapRows(_ db: Database, _ rewrap: (String, String, Data) throws -> (Data, String)) throws {
        do {
            for row in try Row.fetchAll(db, sql: "SELECT id, team, wrapped_key FROM connections") {
                let (wrapped, keyID) = try rewrap(row["team"], row["id"], row["wrapped_key"])
                try db.execute(
                    sql: "UPDATE connections SET wrapped_key = ?, key_id = ?, version = version + 1 WHERE id = ?",
                    arguments: [wrapped, keyID, row["id"] as String])
            }
            for row in try Row.fetchAll(db, sql: "SELECT team, name, wrapped_key FROM vault_keys") {
                let (wrapped, keyID) = try rewrap(row["team"], "key:" + (row["name"] as String), row["wrapped_key"])
                try db.execute(
                    sql: "UPDATE vault_keys SET wrapped_key = ?, key_id = ? WHERE team = ? AND name = ?",
                    arguments: [wrapped, keyID, row["team"] as String, row["name"] as String])
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, team, wrapped_key FROM runs") {
                let (wrapped, keyID) = try rewrap(row["team"], RunSeal.owner(row["id"]), row["wrapped_key"])
                try db.execute(
                    sql: "UPDATE runs SET wrapped_key = ?, key_id = ? WHERE id = ?",
                    arguments: [wrapped, keyID, row["id"] as String])
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT team, agent, conversation_key, wrapped_key FROM llm_conversations")
            {
                let (team, agent, key): (String, String, String) = (row["team"], row["agent"], row["conversation_key"])
                let (wrapped, keyID) = try rewrap(
                    team, ConversationSeal.owner(agent: agent, key: key), row["wrapped_key"])
                try db.execute(
                    sql: """
                        UPDATE llm_conversations SET wrapped_key = ?, key_id = ?
                        WHERE team = ? AND agent = ? AND conversation_key = ?
                        """,
                    arguments: [wrapped, keyID, team, agent, key])
            }
        }
    }

    // MARK: - Plumbing

    /// GRDB's async read: the caller's task waits without blocking a thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError) -> T {
        do { return try await pool.read(body) } catch let error as VaultError { throw error } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// GRDB's async write, in one transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(VaultError) -> T {
        do { return try await pool.write(body) } catch let error as VaultError { throw error } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// Blocking reads and writes, left only for the users and sessions until they move to an
    /// async store of their own: they must not be called where async reads run at once.
    @_disfavoredOverload
    func read<T>(_ body: (Database) throws -> T) throws(VaultError) -> T {
        do { return try pool.read(body) } catch let error as VaultError { throw error } catch {
            throw .storage(Self.describe(error))
        }
    }

    @_disfavoredOverload
    func write<T>(_ body: (Database) throws -> T) throws(VaultError) -> T {
        do { return try pool.write(body) } catch let error as VaultError { throw error } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// SQLite's message without the SQL text or arguments (which may hold sealed blobs).
    package static func describe(_ error: Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "SQLite error \(error.resultCode)"
        }
        return String(describing: error)
    }

    private static func arguments(_ row: StoredConnection) -> StatementArguments {
        [
            row.id, row.team, row.name, row.kind, row.settings, row.keyID, row.wrappedKey, row.secrets, row.tokens,
            row.status,
            row.statusReason, row.tokenExpiresAt, row.version, row.createdAt, row.updatedAt, row.legacyAgentID,
            row.legacyComponentID, row.leaseOwner, row.leaseUntil,
        ]
    }

    private static func connection(_ row: Row) -> StoredConnection {
        StoredConnection(
            id: row["id"], team: row["team"], name: row["name"], kind: row["kind"], settings: row["settings"],
            keyID: row["key_id"], wrappedKey: row["wrapped_key"], secrets: row["secrets"], tokens: row["tokens"],
            status: row["status"], statusReason: row["status_reason"], tokenExpiresAt: row["token_expires_at"],
            version: row["version"], createdAt: row["created_at"], updatedAt: row["updated_at"],
            legacyAgentID: row["legacy_agent_id"], legacyComponentID: row["legacy_component_id"],
            leaseOwner: row["lease_owner"], leaseUntil: row["lease_until"])
    }

    private static func key(_ row: Row) -> StoredKey {
        StoredKey(
            team: row["team"], name: row["name"], keyID: row["key_id"], wrappedKey: row["wrapped_key"],
            value: row["value"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}
