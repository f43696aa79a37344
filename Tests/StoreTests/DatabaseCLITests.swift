import Foundation
import PostgresStore
import TestSupport
import Testing

/// The CLI on a PostgreSQL store: `--database` (or `KEYFLOW_DATABASE_URL`) on the commands
/// that open the store, `keyflow db migrate|status`, and a password that never reaches output.
struct DatabaseCLITests {
    static func home() -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-db-cli-\(UUID())")
        return ["KEYFLOW_HOME": directory.path]
    }

    @Test(.enabled(if: StoreKind.available.contains(.postgres)))
    func migrateStatusAndTheVaultRunOnPostgresWithThePasswordMasked() async throws {
        let url = try await PostgresTestDatabase.create()
        let text = url.connectionText()
        let environment = Self.home()
        let password = try #require(url.password)

        let before = try KeyflowCLI.run(["db", "status", "--database", text], environment: environment)
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("Schema: version 0 of \(PostgresMigrations.steps.count)"))
        let migrated = try KeyflowCLI.run(["db", "migrate", "--database", text], environment: environment)
        #expect(migrated.status == 0 && migrated.stdout.contains("now at version"), "\(migrated.stderr)")
        let again = try KeyflowCLI.run(["db", "migrate", "--database", text], environment: environment)
        #expect(again.stdout.contains("schema up to date"))

        // The environment variable works like the flag.
        var withURL = environment
        withURL["KEYFLOW_DATABASE_URL"] = text
        let added = try KeyflowCLI.run(
            [
                "vault", "add", "custom-oauth2", "--name", "CRM", "--client-id", "app", "--client-secret", "-",
                "--authorization-url", "https://auth.example/a", "--token-url", "https://auth.example/t",
            ], stdin: "client-secret-CANARY\n", environment: withURL)
        #expect(added.status == 0, "\(added.stderr)")
        let listed = try KeyflowCLI.run(["vault", "list", "--database", text], environment: environment)
        #expect(listed.stdout.contains("CRM"))
        let status = try KeyflowCLI.run(["db", "status"], environment: withURL)
        #expect(status.stdout.contains("postgres://\(url.user):••••@"))
        for result in [before, migrated, again, added, listed, status] {
            #expect(!(result.stdout + result.stderr).contains(password))
            #expect(!(result.stdout + result.stderr).contains("client-secret-CANARY"))
        }
    }

    @Test func aBadDatabaseURLIsABadInputErrorThatNamesItsSource() throws {
        let result = try KeyflowCLI.run(
            ["vault", "list", "--database", "postgres://u:CANARY@h/d?sslmode=sometimes"], environment: Self.home())
        #expect(result.status == 2)
        #expect(result.stderr.contains("--database: sslmode must be one of"))
        #expect(!result.stderr.contains("CANARY"))
        var environment = Self.home()
        environment["KEYFLOW_DATABASE_URL"] = "mysql://u:CANARY@h/d"
        let fromEnvironment = try KeyflowCLI.run(["db", "status"], environment: environment)
        #expect(fromEnvironment.status == 2 && fromEnvironment.stderr.contains("KEYFLOW_DATABASE_URL: "))
        #expect(!fromEnvironment.stderr.contains("CANARY"))
    }
}
