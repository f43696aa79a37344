import Hummingbird
import Vault

/// The request context of `keyflow serve`: who is asking, and so which team's vault they see.
public struct KeyflowRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `TeamAuthentication` for every `/api/v1` request.
    public var team: String?
    public var userName: String?

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
