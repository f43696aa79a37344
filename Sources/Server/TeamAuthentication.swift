import Accounts
import Hummingbird
import Vault

/// Who is calling: `Authorization: Bearer <token>` of a user added with `keyflow users add`
/// sets the team. Without any users the server is the embedded single-user default: one
/// local team, and `keyflow serve` binds to loopback only.
public struct TeamAuthentication: RouterMiddleware {
    /// The server's request context.
    public typealias Context = KeyflowRequestContext
    let store: any AccountStore

    /// Authenticates API tokens against the users in `store`.
    public init(store: any AccountStore) {
        self.store = store
    }

    /// Sets the caller's team from their API token (the local team when there are no users), or refuses with 401.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            // A store that cannot answer is a 503: calling the token invalid would tell the
            // caller to throw away a token that is fine.
            let found: StoredUser?
            do { found = try await Users.authenticate(token: String(header.dropFirst(7)), store: store) } catch {
                throw APIError.from(error)
            }
            guard let user = found else { throw APIError(.unauthorized, "unauthorized", "the API token is not valid") }
            context.team = user.team
            context.userName = user.name
            context.account = user.id
            context.actor = "token:" + user.name
        } else if try await hasNoUsers() {
            context.team = Vault.localTeam
            context.account = Context.localAccount
            context.actor = Context.localAccount
        } else {
            throw APIError(
                .unauthorized, "unauthorized",
                "send Authorization: Bearer <token> (keyflow users add NAME --team T prints one)")
        }
        // Everything the request does in the Vault (and its logs and spans) knows who asked.
        let actor = context.actor
        return try await Attribution.with(Attribution(actor: actor)) { try await next(request, context) }
    }

    private func hasNoUsers() async throws -> Bool {
        do { return try await store.users().isEmpty } catch { throw APIError.from(error) }
    }
}
