import ArgumentParser
import Vault

/// `keyflow vault show ID`: settings, masked secrets, status, expiry and the callback URL.
struct VaultShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a connection (secrets masked).")
    @Argument(help: "The connection id.") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let vault = try VaultSession.open()
        let presenter = ConnectionPresenter(vault: vault)
        try VaultSession.run {
            let connection = try vault.connection(id)
            print(json ? try presenter.detailsJSON(connection).description : try presenter.detailsText(connection))
        }
    }
}
