import Accounts
import Foundation
import PostgresNIO
import PostgresStore
import Vault

/// Every store protocol at once: what `keyflow serve` needs of a store.
typealias FullStore = VaultStore & AgentStore & AccountStore & RunStore

/// The stores the contract runs against. PostgreSQL needs a server: `scripts/test` starts a
/// throwaway cluster and sets `KEYFLOW_TEST_POSTGRES_ADMIN_URL`; CI also sets
/// `KEYFLOW_REQUIRE_POSTGRES=1`, so a missing server fails the run instead of skipping it.
enum StoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    case postgres

    var description: String { rawValue }

    /// The stores this run can reach.
    static var available: [StoreKind] {
        let environment = ProcessInfo.processInfo.environment
        let required = environment["KEYFLOW_REQUIRE_POSTGRES"] == "1"
        return environment["KEYFLOW_TEST_POSTGRES_ADMIN_URL"] != nil || required ? allCases : [.sqlite]
    }

    /// A fresh, empty store of this kind (a new SQLite file, or a new PostgreSQL database).
    func make() async throws -> TestStore {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-store-\(UUID())")
            let home = KeyflowHome(directory: directory)
            return TestStore(store: try SQLiteVaultStore(path: home.vaultPath), home: home, url: nil)
        case .postgres:
            let url = try await PostgresTestDatabase.create()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-store-\(UUID())")
            return TestStore(
                store: try await PostgresVaultStore.open(url), home: KeyflowHome(directory: directory), url: url)
        }
    }
}

/// A store for one test, with a home for its master key.
struct TestStore: Sendable {
    let store: any FullStore
    let home: KeyflowHome
    /// The PostgreSQL database, for a second "node" on the same data.
    let url: PostgresURL?

    /// A vault of `team` over the store.
    func vault(team: String = Vault.localTeam) async throws -> Vault {
        try await Vault.open(home: home, team: team, store: store).vault
    }

    /// Another store instance on the same data: a second process or node.
    func secondNode() async throws -> any FullStore {
        if let url { return try await PostgresVaultStore.open(url) }
        return try SQLiteVaultStore(path: home.vaultPath)
    }
}

/// A new database per test in the cluster of `KEYFLOW_TEST_POSTGRES_ADMIN_URL`, owned by the
/// role of `KEYFLOW_TEST_DATABASE_ROLE_URL` (or `KEYFLOW_DATABASE_URL`) when set: a role that
/// is no superuser, as Keyflow needs none.
enum PostgresTestDatabase {
    static func create() async throws -> PostgresURL {
        let environment = ProcessInfo.processInfo.environment
        guard let adminText = environment["KEYFLOW_TEST_POSTGRES_ADMIN_URL"] else {
            throw TestStoreError(
                "KEYFLOW_REQUIRE_POSTGRES=1 but KEYFLOW_TEST_POSTGRES_ADMIN_URL is not set: run scripts/test, or eval \"$(scripts/dev-postgres)\""
            )
        }
        let admin = try PostgresURL(parsing: adminText)
        var url = admin
        if let appText = environment["KEYFLOW_DATABASE_URL"],
            case .postgres(let app) = try DatabaseURL(parsing: appText)
        {
            url = app
        }
        let name = "kf_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let adminStore = try await PostgresVaultStore.open(admin, migrate: false, maximumConnections: 1)
        defer { adminStore.close() }
        try await adminStore.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER \"\(url.user)\""))
        url.database = name
        return url
    }
}

/// A test set-up that cannot run.
struct TestStoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestStore {
    /// The store as `--database` takes it, password included (for the `keyflow` processes a
    /// test starts; never printed by them).
    var databaseText: String {
        guard let url else { return "sqlite:\(home.vaultPath.path)" }
        return url.connectionText()
    }
}

extension PostgresURL {
    /// The URL as `--database` takes it, password included (its `description` masks it), on
    /// `host` instead of its own when given, with `query` as its parameters.
    func connectionText(host: String? = nil, query: String = "sslmode=disable") -> String {
        "postgres://\(user):\(password ?? "")@\(host ?? self.host):\(port)/\(database)?\(query)"
    }
}
