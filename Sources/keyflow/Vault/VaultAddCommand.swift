import ArgumentParser
import Vault

/// `keyflow vault add KIND --name NAME ...`: prints the new id on the first line.
struct VaultAddCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a connection (see keyflow vault providers for the kinds and their fields).",
        discussion:
            "Prints the new connection's id on the first line. Authenticate it next with keyflow vault auth ID (an api-key connection is ready at once)."
    )

    @Argument(
        help:
            "The kind: google, linkedin, x-oauth1, x-oauth2, custom-oauth2, custom-oauth1, client-credentials, api-key."
    )
    var kind: String
    @Option(help: "A name people will recognise.") var name: String
    @OptionGroup var fields: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let input = try fields.input(catalog: vault.catalog)
        let connection = try await VaultSession.run { try await vault.add(kind: kind, name: name, input: input) }
        let presenter = ConnectionPresenter(vault: vault)
        if json {
            print(presenter.summaryJSON(connection))
            return
        }
        print(connection.id)
        print("Added \"\(connection.name)\" (\(connection.kind)), status \(connection.status.rawValue).")
        let settings = try VaultSession.run { try vault.effectiveSettings(of: connection) }
        if settings.kind.needsUserLogin {
            print("Register this callback URL at the provider: \(presenter.callbackURL(settings.kind))")
        }
        if settings.kind.isAPIKey {
            // An allowed-host entry may carry its scheme (http://127.0.0.1:8080): not doubled.
            let host = settings.allowedHosts.first ?? "HOST"
            let origin = host.contains("://") ? host : "https://" + host
            print("Next: keyflow vault test \(connection.id) --url \(origin)/…")
        } else {
            print("Next: keyflow vault auth \(connection.id)")
        }
    }
}
