import Foundation

/// One entry of a team's audit trail: the event as it happened, its place in the team's chain
/// (`sequence`, 1, 2, 3, … per team) and its MAC, which covers the event, the team, the
/// sequence and the MAC of the entry before it (see `AuditChain`).
public struct AuditRecord: Sendable, Hashable {
    /// What happened (the team is `event.team`).
    public var event: VaultEvent
    /// The record's place in its team's chain, from 1, without gaps.
    public var sequence: Int64
    /// HMAC-SHA256 over the previous record's MAC and this record (`AuditChain.mac`).
    public var mac: Data

    /// A record as stored.
    public init(event: VaultEvent, sequence: Int64, mac: Data) {
        self.event = event
        self.sequence = sequence
        self.mac = mac
    }

    /// The team whose chain holds it.
    public var team: String { event.team }
}
