import ArgumentParser
import Vault

/// `keyflow vault remove ID`: deletes the connection and its secrets.
struct VaultRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Delete a connection with its secrets and tokens.")
    @Argument(help: "The connection id.") var id: String

    func run() throws {
        let vault = try VaultSession.open()
        let connection = try VaultSession.run { try vault.connection(id) }
        try VaultSession.run { try vault.remove(id) }
        print("Removed \"\(connection.name)\" (\(connection.id)).")
    }
}
