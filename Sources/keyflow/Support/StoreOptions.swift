import ArgumentParser
import Foundation
import PostgresStore
import Vault

/// `--database URL`, accepted by every command that opens the store: where the vault's rows
/// are. Without it, `KEYFLOW_DATABASE_URL`; without that, the SQLite file in `KEYFLOW_HOME`.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "The store: sqlite:PATH or postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=…] (default: KEYFLOW_DATABASE_URL, else vault.sqlite in KEYFLOW_HOME).",
            valueName: "url"))
    var database: String?

    /// The database named by the flag or the environment; nil for the default SQLite file.
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseURL? {
        let text = database ?? environment["KEYFLOW_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text else { return nil }
        let source = database != nil ? "--database" : "KEYFLOW_DATABASE_URL"
        do { return try DatabaseURL(parsing: text) } catch { throw CLIError("\(source): \(error.description)") }
    }

    /// Opens the store the options name (bringing its schema up to date), or nil for the default.
    func openStore(migrate: Bool = true) async throws -> (any VaultStore)? {
        guard let location = try location() else { return nil }
        return try await VaultSession.run { () async throws -> any VaultStore in
            try await StoreOpener.open(location, migrate: migrate)
        }
    }
}
