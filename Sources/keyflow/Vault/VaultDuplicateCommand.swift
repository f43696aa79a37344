import ArgumentParser
import Vault

/// `keyflow vault duplicate ID [--name NAME]`: settings and secrets, never tokens.
struct VaultDuplicateCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "duplicate", abstract: "Copy a connection's settings and secrets (not its tokens).")
    @Argument(help: "The connection id.") var id: String
    @Option(help: "The copy's name (default: \"NAME (copy)\").") var name: String?

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let copy = try await VaultSession.run { try await vault.duplicate(id, name: name) }
        print(copy.id)
        if copy.status == .ready {
            print("Duplicated as \"\(copy.name)\", with its key; it is ready.")
        } else {
            print("Duplicated as \"\(copy.name)\"; authenticate it with keyflow vault auth \(copy.id)")
        }
    }
}
