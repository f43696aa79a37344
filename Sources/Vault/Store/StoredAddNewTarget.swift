import Foundation

/// "+ Add New" from an agent's OAuth dropdown, waiting for the new connection's login: which
/// component of which team's agent to point at the connection once it is ready.
public struct StoredAddNewTarget: Sendable, Equatable {
    /// The connection being logged in.
    public var connectionID: String
    /// The team of the user who asked: only this team's agent is changed.
    public var team: String
    /// The agent's name.
    public var agent: String
    /// The APICall component whose OAuth section selects the connection.
    public var component: String
    /// Recorded as who changed the agent.
    public var changedBy: String
    /// When it was asked for (seconds since 1970); abandoned entries are dropped after a day.
    public var createdAt: Double

    /// A target with these fields.
    public init(
        connectionID: String, team: String, agent: String, component: String, changedBy: String, createdAt: Double
    ) {
        self.connectionID = connectionID
        self.team = team
        self.agent = agent
        self.component = component
        self.changedBy = changedBy
        self.createdAt = createdAt
    }
}
