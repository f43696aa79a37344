import Foundation

/// One revision of a team's agent: the `.smyth` bytes as saved, and who saved them when.
public struct StoredAgent: Sendable, Equatable {
    /// The team the agent belongs to.
    public var team: String
    /// The agent's name, unique in its team.
    public var name: String
    /// The agent file's bytes, exactly as uploaded or rewritten.
    public var body: Data
    /// 1 for the first save and one more for each save after it: the compare-and-swap token.
    public var version: Int64
    /// The user name of whoever saved it (`local` without users, `import` for imports).
    public var changedBy: String
    /// Seconds since 1970.
    public var changedAt: Double

    /// An agent revision with these fields.
    public init(team: String, name: String, body: Data, version: Int64, changedBy: String, changedAt: Double) {
        self.team = team
        self.name = name
        self.body = body
        self.version = version
        self.changedBy = changedBy
        self.changedAt = changedAt
    }
}
