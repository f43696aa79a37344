/// Why a team's audit chain does not verify, at the first sequence where it fails.
public struct AuditProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: String, Sendable, Hashable {
        /// A record does not match its MAC: it was edited, or its MAC was forged or recomputed
        /// without the chain key.
        case recordMAC = "record_mac"
        /// A record is missing: the sequence jumps (a deleted record).
        case gap
        /// The head's signature does not match (the head row was edited).
        case headSignature = "head_signature"
        /// Records the head counts are missing (a deleted tail).
        case truncated
        /// The head names another last MAC than the last record's.
        case headMismatch = "head_mismatch"
        /// A record lies beyond the head (the head row was replaced by an older one).
        case beyondHead = "beyond_head"
        /// The checkpoint's signature does not match (the checkpoint was edited).
        case checkpointSignature = "checkpoint_signature"
        /// Records exist but the head row does not.
        case missingHead = "missing_head"
        /// The chain is signed under another master key than the one in use.
        case otherKey = "other_key"
    }

    /// What is wrong.
    public let kind: Kind
    /// The team.
    public let team: String
    /// The first sequence that does not verify.
    public let sequence: Int64
    /// What was found, in words (no record content).
    public let detail: String

    /// A problem at `sequence`.
    public init(_ kind: Kind, team: String, sequence: Int64, detail: String) {
        self.kind = kind
        self.team = team
        self.sequence = sequence
        self.detail = detail
    }

    /// "team T: sequence N: …".
    public var description: String { "team \(team): sequence \(sequence): \(detail)" }
}
