import Accounts
import OAuthCore
import Vault

/// One `AuthorizationFlows` per team, so that a callback finds its login whichever team started
/// it, all with the server's public URL: where providers send users back, the Host the request
/// boundary answers to, and what makes the session cookie Secure.
public actor FlowsRegistry {
    let transport: any HTTPTransport
    /// How the server is reached from outside.
    public nonisolated let publicURL: PublicURL
    private var byTeam: [String: AuthorizationFlows] = [:]

    /// The logins of a server reached at `publicURL`, talking to providers through `transport`.
    public init(transport: any HTTPTransport, publicURL: PublicURL) {
        self.transport = transport
        self.publicURL = publicURL
    }

    func flows(for vault: Vault) -> AuthorizationFlows {
        if let existing = byTeam[vault.team] { return existing }
        let flows = AuthorizationFlows(vault: vault, transport: transport, callbacks: publicURL.callbacks)
        byTeam[vault.team] = flows
        return flows
    }

    /// Hands a callback to the team whose login it belongs to, found in the store (so a login
    /// started on another node, or before a restart, is finished here too). `vault` is any
    /// team's view of the server's store.
    func complete(path: String, query: String, presenter: LoginPresenter, vault: Vault) async throws -> Connection {
        guard let team = try await PendingLogins.team(ofCallbackQuery: query, store: vault.store) else {
            throw FlowError.unknownLogin
        }
        return try await flows(for: vault.forTeam(team)).complete(path: path, query: query, presenter: presenter)
    }
}
