import ArgumentParser
import Vault

/// `keyflow vault list`: id, name, kind, status, expiry, health (last used, last failure) and badges (Legacy).
struct VaultListCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the connections.")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let connections = try await VaultSession.run { try await vault.list() }
        let health = try await VaultSession.run { try await vault.health() }
        let presenter = ConnectionPresenter(vault: vault, health: health)
        if json {
            print(JSONOutput.array(connections.map(presenter.summaryJSON)))
        } else if connections.isEmpty {
            print(
                "No connections yet. Add one with keyflow vault add KIND --name NAME (kinds: keyflow vault providers).")
        } else {
            print(presenter.listTable(connections))
        }
    }
}
