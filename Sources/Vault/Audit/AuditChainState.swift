import Foundation

/// The head of a team's audit chain, as kept in its `audit_heads` row: the last sequence and
/// MAC (so a deleted tail is noticed), the master key id the chain is signed under, and the
/// checkpoint a prune left. Each part carries its own signature under the chain key.
public struct AuditChainState: Sendable, Hashable {
    /// The team.
    public var team: String
    /// The last record's sequence (0 before the first).
    public var sequence: Int64
    /// The last record's MAC (empty before the first).
    public var mac: Data
    /// The id of the master key the chain key derives from.
    public var keyID: String
    /// `AuditChain.headSignature` of team, sequence and MAC.
    public var signature: Data
    /// Where the retained records start, after a prune; nil when none was ever pruned.
    public var checkpoint: AuditCheckpoint?

    /// A head as stored.
    public init(
        team: String, sequence: Int64, mac: Data, keyID: String, signature: Data, checkpoint: AuditCheckpoint? = nil
    ) {
        self.team = team
        self.sequence = sequence
        self.mac = mac
        self.keyID = keyID
        self.signature = signature
        self.checkpoint = checkpoint
    }

    /// The first 16 hex digits of the head's MAC: what an operator notes elsewhere to detect
    /// a truncated tail later.
    public var macPrefix: String { AuditChain.hex(mac.prefix(8)) }
}

/// What a prune leaves: the sequence and MAC of the last record it deleted, signed, so that
/// verification continues from there.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The last deleted record's sequence.
    public var sequence: Int64
    /// The last deleted record's MAC (as it was signed then: rotation keeps it and re-signs
    /// the checkpoint).
    public var mac: Data
    /// Records older than this (seconds since 1970) were deleted.
    public var before: Double
    /// `AuditChain.checkpointSignature` of team, sequence, MAC and time.
    public var signature: Data

    /// A checkpoint as stored.
    public init(sequence: Int64, mac: Data, before: Double, signature: Data) {
        self.sequence = sequence
        self.mac = mac
        self.before = before
        self.signature = signature
    }
}
