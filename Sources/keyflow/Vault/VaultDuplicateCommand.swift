import ArgumentParser
import Vault

/// `keyflow vault duplicate ID [--name NAME]`: settings and secrets, never tokens.
struct VaultDuplicateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "duplicate", abstract: "Copy a connection's settings and secrets (not its tokens).")
    @Argument(help: "The connection id.") var id: String
    @Option(help: "The copy's name (default: \"NAME (copy)\").") var name: String?

    func run() throws {
        let vault = try VaultSession.open()
        let copy = try VaultSession.run { try vault.duplicate(id, name: name) }
        print(copy.id)
        print("Duplicated as \"\(copy.name)\"; authenticate it with keyflow vault auth \(copy.id)")
    }
}
