import ArgumentParser
import Vault

/// `keyflow vault edit ID [flags]`: changing what authentication depends on drops the tokens.
struct VaultEditCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Change a connection's name, kind or fields.",
        discussion: """
            Changing the client id or secret, a URL, the scopes or the kind signs the connection out, and so does adding an
            allowed host (or another scheme or port for one); renaming or removing hosts does not. Moving an endpoint URL to
            another origin needs the client or consumer secret (and RSA key) given again in the same edit.
            """)
    @Argument(help: "The connection id.") var id: String
    @Option(help: "A new name.") var name: String?
    @Option(help: "A new kind.") var kind: String?
    @OptionGroup var fields: ConnectionOptions

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let input = try fields.input(catalog: vault.catalog)
        guard name != nil || kind != nil || !input.isEmpty else {
            throw CLIError("nothing to change: give --name, --kind or a field flag")
        }
        let before = try await VaultSession.run { try await vault.connection(id) }
        let after = try await VaultSession.run { try await vault.edit(id, name: name, kind: kind, input: input) }
        print("Updated \"\(after.name)\" (\(after.id)).")
        if before.hasTokens && !after.hasTokens {
            print(
                "Its authentication settings or allowed hosts changed, so it was signed out: run keyflow vault auth \(after.id)"
            )
        }
    }
}
