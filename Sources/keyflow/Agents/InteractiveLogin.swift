import Accounts
import Foundation
import OAuthCore
import Server
import Vault

/// Logs a connection in during `keyflow run`: the same listener and printed URL as
/// `keyflow vault auth`, on standard error so the run's JSON output stays clean.
enum InteractiveLogin {
    static func run(_ connection: Connection, vault: Vault, transport: AsyncHTTPTransport, timeout: Duration = .seconds(300)) async throws {
        let publicURL = VaultSession.publicURL
        let flows = AuthorizationFlows(vault: vault, transport: transport, callbacks: publicURL.callbacks)
        let kind = try vault.kind(of: connection)
        if !kind.needsUserLogin {
            _ = try await flows.start(connection.id)
            return
        }
        let listener = try CallbackListener(publicURL: publicURL)
        _ = try await listener.waitForLogin(flows: flows, timeout: timeout) {
            guard case .browser(let url) = try await flows.start(connection.id) else { return }
            let message = "\"\(connection.name)\" (\(connection.id)) needs a login. Open this URL:\n\(url)\nWaiting for the callback on \(publicURL)...\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
        FileHandle.standardError.write(Data("Connected \"\(connection.name)\".\n".utf8))
    }
}
