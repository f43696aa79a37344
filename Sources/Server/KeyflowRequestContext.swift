import Accounts
import Hummingbird
import Vault

/// The request context of `keyflow serve`: who is asking, and so which team's vault they see.
public struct KeyflowRequestContext: RequestContext {
    /// Hummingbird's own per-request state.
    public var coreContext: CoreRequestContextStorage
    /// Set by `TeamAuthentication` for every `/api/v1` request.
    public var team: String?
    /// The signed-in user's name, for revisions ("changed by").
    public var userName: String?
    /// Who started a login, for binding it (`TeamAuthentication`): a user's id, or
    /// `KeyflowRequestContext.localAccount` in the no-users mode.
    public var account: String?
    /// The browser's session on the web pages, set by `BrowserSessions`.
    public var session: WebSessions.Session?
    /// Whether any user exists (read once per page request by `BrowserSessions`).
    public var usersExist = false
    /// Who is asking, as the audit trail and runs record it: `user:NAME` (a browser session),
    /// `token:NAME` (a user's API token) or `local` (the no-users mode). Set with the team.
    public var actor: String?

    /// The one account of the no-users mode.
    public static let localAccount = "local"

    /// A context for a request from `source`, before anyone is authenticated.
    public init(source: Source) {
        coreContext = .init(source: source)
    }
}

extension Vault {
    /// The part of the vault the caller's team sees. `TeamAuthentication` (API) and
    /// `WebAuthentication` (pages) set the team before any handler runs.
    func forTeam(of context: KeyflowRequestContext) throws -> Vault {
        guard let team = context.team else { throw APIError(.unauthorized, "unauthorized", "not signed in") }
        return forTeam(team)
    }
}
