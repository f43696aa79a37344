/// A signed-in browser session of `keyflow serve`, as stored. Only a hash of the session id
/// (the cookie's secret) is kept, so a reader of the database can't sign in with it.
public struct StoredSession: Sendable, Equatable {
    /// SHA-256 of the session id, hex.
    public var idHash: String
    /// The user who signed in.
    public var userID: String
    /// Seconds since 1970.
    public var createdAt: Double
    /// Seconds since 1970; the session is over from then on.
    public var expiresAt: Double

    /// A session row.
    public init(idHash: String, userID: String, createdAt: Double, expiresAt: Double) {
        self.idHash = idHash
        self.userID = userID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
