import ArgumentParser
import OAuthCore
import Vault

/// `keyflow vault signout ID`: revokes the tokens at the provider where it can, drops them,
/// keeps the settings.
struct VaultSignoutCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "signout", abstract: "Sign a connection out (revoke and drop its tokens).")
    @Argument(help: "The connection id.") var id: String

    func run() async throws {
        let vault = try await VaultSession.open(storeOptions)
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let revoked = try await VaultSession.run { try await SignOut(vault: vault, transport: transport).run(id) }
        let connection = try await VaultSession.run { try await vault.connection(id) }
        print("Signed out \"\(connection.name)\" (\(connection.id)); status \(connection.status.rawValue).")
        if let revoked { print(revoked) }
    }
}
