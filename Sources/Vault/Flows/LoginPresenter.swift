/// Who presents a login's callback.
public enum LoginPresenter: Sendable, Equatable {
    /// The CLI's own one-time loopback listener.
    case listener
    /// A browser with a valid session of `keyflow serve` (its id hash, and its account:
    /// the signed-in user's id, the local account without users, nil when anonymous).
    case browser(session: String, account: String?)
    /// A browser without a valid session.
    case stranger
}
