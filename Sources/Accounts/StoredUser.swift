/// A person (or a script) who may use a team's vault through `keyflow serve`. Only a hash
/// of the API token is stored.
public struct StoredUser: Sendable, Equatable {
    /// The user's id, `ku_` and 22 random characters.
    public var id: String
    /// The name `keyflow users` shows and finds the user by.
    public var name: String
    /// The one team whose connections and agents the user sees.
    public var team: String
    /// SHA-256 of the API token, hex.
    public var tokenHash: String
    /// Seconds since 1970.
    public var createdAt: Double

    /// A user row.
    public init(id: String, name: String, team: String, tokenHash: String, createdAt: Double) {
        self.id = id
        self.name = name
        self.team = team
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }
}
