import Foundation

/// A revision without its body, for listing an agent's history.
public struct AgentRevision: Sendable, Equatable {
    /// The revision number, from 1.
    public var version: Int64
    /// Who saved it.
    public var changedBy: String
    /// Seconds since 1970.
    public var changedAt: Double

    /// A revision summary with these fields.
    public init(version: Int64, changedBy: String, changedAt: Double) {
        self.version = version
        self.changedBy = changedBy
        self.changedAt = changedAt
    }
}
