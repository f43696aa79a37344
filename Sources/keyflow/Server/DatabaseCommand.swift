import ArgumentParser
import Foundation
import PostgresStore
import Vault

/// `keyflow db`: the store's schema. Both stores bring their schema up to date on first use;
/// these commands do it on purpose (before starting several nodes) and show where it stands.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "The store: apply its migrations, show its version, copy it to another store.",
        subcommands: [Migrate.self, Status.self, Copy.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate", abstract: "Bring the store's schema up to date (several nodes may run it at once).")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let location = try storeOptions.location() ?? .sqlite(VaultSession.home.vaultPath)
            switch location {
            case .sqlite(let path):
                _ = try VaultSession.run { try SQLiteVaultStore(path: path) }
                print("\(location): schema up to date (\(SQLiteVaultStore.migrationNames.count) steps)")
            case .postgres(let url):
                let store = try await VaultSession.run { try await PostgresVaultStore.open(url, migrate: false) }
                defer { store.close() }
                let applied = try await VaultSession.run { try await PostgresMigrations.apply(on: store) }
                let latest = PostgresMigrations.steps.last?.version ?? 0
                print(
                    applied.isEmpty
                        ? "\(location): schema up to date (version \(latest))"
                        : "\(location): applied \(applied.map(String.init).joined(separator: ", ")); now at version \(latest)"
                )
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Show the store and its schema version, without changing anything.")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let location = try storeOptions.location() ?? .sqlite(VaultSession.home.vaultPath)
            print("Store: \(location)")
            switch location {
            case .sqlite(let path):
                guard FileManager.default.fileExists(atPath: path.path) else {
                    print("Schema: none yet (the file is created on first use)")
                    return
                }
                let store = try VaultSession.run { try SQLiteVaultStore(path: path) }
                let applied = Set(try await VaultSession.run { try await store.appliedMigrations() })
                let names = SQLiteVaultStore.migrationNames
                print("Schema: \(applied.count) of \(names.count) steps applied")
                for name in names { print("  \(applied.contains(name) ? "applied" : "missing")  \(name)") }
            case .postgres(let url):
                let store = try await VaultSession.run { try await PostgresVaultStore.open(url, migrate: false) }
                defer { store.close() }
                let applied = Set(try await VaultSession.run { try await PostgresMigrations.applied(on: store) })
                let steps = PostgresMigrations.steps
                print("Schema: version \(applied.max() ?? 0) of \(steps.last?.version ?? 0)")
                for step in steps {
                    print("  \(applied.contains(step.version) ? "applied" : "missing")  \(step.version): \(step.name)")
                }
            }
        }
    }
}

extension DatabaseCommand {
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy a whole vault between stores (SQLite ↔ PostgreSQL): sealed as it is, all or nothing.",
            discussion: """
                Nothing is decrypted: the destination needs the same master key. The destination must be \
                empty, and no keyflow serve may be using the source. Write an SQLite file as sqlite:PATH.
                """)
        @Option(help: ArgumentHelp("The store to copy from: sqlite:PATH or postgres://…", valueName: "url"))
        var from: String
        @Option(help: ArgumentHelp("The empty store to copy into: sqlite:PATH or postgres://…", valueName: "url"))
        var to: String

        func run() async throws {
            let source = try Self.parse(from, flag: "--from")
            let destination = try Self.parse(to, flag: "--to")
            let report: StoreCopy.Report
            do { report = try await StoreCopy.run(from: source, to: destination) } catch let refusal
                as StoreCopy.Refusal
            {
                throw CLIError(refusal.description)
            } catch {
                throw VaultSession.cliError(error)
            }
            print("Copied \(report.summary) (\(report.rows) rows) from \(source) to \(destination).")
        }

        static func parse(_ text: String, flag: String) throws -> DatabaseURL {
            do { return try DatabaseURL(parsing: text) } catch { throw CLIError("\(flag): \(error.description)") }
        }
    }
}
