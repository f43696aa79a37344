import Accounts
import OAuthCore
import Vault

/// A connection's login from the command line: the one flow `keyflow vault auth`, the
/// interactive login of `keyflow run` and `keyflow demo` share. A kind that needs no user
/// (client credentials) logs in at once; any other starts the one-shot `CallbackListener`
/// on the public URL, hands the provider's authorization URL to `present` (print it, open a
/// browser, or act as the browser) and waits for the callback.
public struct ListenerLogin: Sendable {
    /// The vault (and team) whose connection logs in.
    public let vault: Vault
    /// Where the listener is reached: the provider sends the user back there.
    public let publicURL: PublicURL
    let transport: any HTTPTransport

    /// Logins of `vault`'s connections, talking to providers through `transport`.
    public init(vault: Vault, transport: any HTTPTransport, publicURL: PublicURL) {
        self.vault = vault
        self.transport = transport
        self.publicURL = publicURL
    }

    /// Logs the connection in and returns it as stored afterwards. `present` gets the URL the
    /// user must open, once the listener is up (never for client credentials); the callback
    /// must arrive within `timeout`. On any failure the connection is unchanged.
    public func run(
        _ connectionID: String, timeout: Duration,
        present: @escaping @Sendable (_ url: String) async throws -> Void
    ) async throws -> Connection {
        let flows = AuthorizationFlows(vault: vault, transport: transport, callbacks: publicURL.callbacks)
        guard try await vault.kind(of: try vault.connection(connectionID)).needsUserLogin else {
            switch try await flows.start(connectionID) {
            case .completed(let connection): return connection
            case .browser:
                throw FlowError.exchangeFailed("the provider asked for a browser login for a kind that needs none")
            }
        }
        let listener = try CallbackListener(publicURL: publicURL)
        return try await listener.waitForLogin(flows: flows, timeout: timeout) {
            guard case .browser(let url) = try await flows.start(connectionID) else { return }
            try await present(url)
        }
    }
}
