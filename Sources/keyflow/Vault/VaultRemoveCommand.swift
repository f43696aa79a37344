import ArgumentParser
import Vault

/// `keyflow vault remove ID`: deletes the connection and its secrets.
struct VaultRemoveCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Delete a connection with its secrets and tokens.")
    @Argument(help: "The connection id.") var id: String

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let connection = try await VaultSession.run { try await vault.connection(id) }
        try await VaultSession.run { try await vault.remove(id) }
        print("Removed \"\(connection.name)\" (\(connection.id)).")
    }
}
