/// Where a connection stands. Stored as its raw value.
public enum ConnectionStatus: String, Sendable, Codable, CaseIterable {
    /// Never authenticated, or signed out.
    case needsAuth = "needs-auth"
    /// Holds tokens that work or can be refreshed.
    case ready
    /// The provider refused the refresh token or the client: the user must log in again.
    /// The provider's reason is kept with it.
    case needsReauth = "needs-reauth"
    /// Something else is wrong (the sealed data does not open, the settings are invalid).
    case error
}
