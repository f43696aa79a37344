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
