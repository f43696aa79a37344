import ArgumentParser
import Vault

/// `keyflow vault show ID`: settings, masked secrets, status, expiry and the callback URL.
struct VaultShowCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a connection (secrets masked).")
    @Argument(help: "The connection id.") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let presenter = ConnectionPresenter(vault: vault)
        try await VaultSession.run {
            let connection = try await vault.connection(id)
            print(
                json
                    ? try await presenter.detailsJSON(connection).description
                    : try await presenter.detailsText(connection))
        }
    }
}
