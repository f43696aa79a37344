import Foundation
import OAuthCore
import Server
import Vault

/// Logs a connection in during `keyflow run`: the same login as `keyflow vault auth`
/// (`ListenerLogin`), with its messages on standard error so the run's JSON output stays clean.
enum InteractiveLogin {
    static func run(
        _ connection: Connection, vault: Vault, transport: AsyncHTTPTransport, timeout: Duration = .seconds(300)
    ) async throws {
        let login = ListenerLogin(vault: vault, transport: transport, publicURL: VaultSession.publicURL)
        let needsUser = try vault.kind(of: connection).needsUserLogin
        _ = try await login.run(connection.id, timeout: timeout) { url in
            let message =
                "\"\(connection.name)\" (\(connection.id)) needs a login. Open this URL:\n\(url)\nWaiting for the callback on \(login.publicURL)...\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
        if needsUser { FileHandle.standardError.write(Data("Connected \"\(connection.name)\".\n".utf8)) }
    }
}
