/// Who may finish a login that was started: the browser presenting the provider's callback
/// must be the one (or belong to the user) that started it, so that nobody else's account
/// can be captured into a connection with a leaked `state`.
public enum LoginBinding: Sendable, Equatable {
    /// `keyflow vault auth` and the other CLI logins: their loopback listener exists for this
    /// one login only, on the user's machine, and is itself the binding.
    case listener
    /// Started on a web page: only that browser session (the hash of its id) finishes it.
    case session(String)
    /// Started through the API: any browser session of that account (a user id, or the
    /// no-users mode's single local account) finishes it.
    case account(String)

    /// Whether `presenter` may finish a login bound this way.
    public func admits(_ presenter: LoginPresenter) -> Bool {
        switch (self, presenter) {
        case (.listener, .listener): return true
        case (.session(let bound), .browser(let session, _)): return bound == session
        case (.account(let bound), .browser(_, let account)): return account == bound
        default: return false
        }
    }
}
