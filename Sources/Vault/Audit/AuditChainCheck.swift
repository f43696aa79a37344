import Foundation

/// Walks one team's chain in sequence order and reports the first record that does not
/// verify. Fed page by page (`check`), then `finish`ed against the head, so a chain of any
/// length is checked without holding it in memory.
public struct AuditChainCheck: Sendable {
    /// The team.
    public let team: String
    let chain: AuditChain
    /// The sequence the next record must have.
    public private(set) var expected: Int64
    /// The MAC the next record chains from.
    public private(set) var previous: Data
    /// The records checked so far.
    public private(set) var count = 0
    /// The first problem found; once set, later records are not checked.
    public private(set) var problem: AuditProblem?

    /// Starts after the checkpoint of `state` (or at sequence 1), checking the checkpoint's
    /// signature and the key the chain is signed under.
    public init(team: String, state: AuditChainState?, chain: AuditChain) {
        self.team = team
        self.chain = chain
        let checkpoint = state?.checkpoint
        expected = (checkpoint?.sequence ?? 0) + 1
        previous = checkpoint?.mac ?? Data()
        if let state, state.keyID != chain.keyID {
            problem = AuditProblem(
                .otherKey, team: team, sequence: expected,
                detail: "the chain is signed under master key \(state.keyID), not \(chain.keyID)")
        } else if let checkpoint {
            let signature = chain.checkpointSignature(
                team: team, sequence: checkpoint.sequence, mac: checkpoint.mac, before: checkpoint.before)
            if !AuditChain.same(signature, checkpoint.signature) {
                problem = AuditProblem(
                    .checkpointSignature, team: team, sequence: checkpoint.sequence,
                    detail: "the checkpoint left by a prune does not match its signature (edited)")
            }
        }
    }

    /// Whether nothing failed so far.
    public var isIntact: Bool { problem == nil }

    /// Checks the next records, in sequence order.
    public mutating func check(_ records: [AuditRecord]) {
        for record in records {
            guard problem == nil else { return }
            if record.sequence != expected {
                problem =
                    record.sequence > expected
                    ? AuditProblem(
                        .gap, team: team, sequence: expected,
                        detail: "record \(expected) is missing (deleted): the next one is \(record.sequence)")
                    : AuditProblem(
                        .gap, team: team, sequence: record.sequence,
                        detail: "record \(record.sequence) comes again after \(expected - 1)")
                return
            }
            let mac = chain.mac(record.event, sequence: record.sequence, previous: previous)
            guard AuditChain.same(mac, record.mac) else {
                problem = AuditProblem(
                    .recordMAC, team: team, sequence: record.sequence,
                    detail: "record \(record.sequence) does not match its MAC (edited, or its MAC forged)")
                return
            }
            previous = record.mac
            expected += 1
            count += 1
        }
    }

    /// Checks the head against the last record seen; returns the first problem of the chain.
    public mutating func finish(head state: AuditChainState?) -> AuditProblem? {
        if let problem { return problem }
        let last = expected - 1
        guard let state else {
            if count > 0 {
                problem = AuditProblem(
                    .missingHead, team: team, sequence: last, detail: "the chain's head row is missing")
            }
            return problem
        }
        let signature = chain.headSignature(team: team, sequence: state.sequence, mac: state.mac)
        if !AuditChain.same(signature, state.signature) {
            problem = AuditProblem(
                .headSignature, team: team, sequence: state.sequence,
                detail: "the head (sequence \(state.sequence)) does not match its signature (edited)")
        } else if state.sequence > last {
            problem = AuditProblem(
                .truncated, team: team, sequence: last + 1,
                detail: "records \(last + 1) to \(state.sequence) are missing (the tail was deleted)")
        } else if state.sequence < last {
            problem = AuditProblem(
                .beyondHead, team: team, sequence: state.sequence + 1,
                detail:
                    "record \(state.sequence + 1) lies beyond the head (\(state.sequence)): the head was replaced by an older one"
            )
        } else if !AuditChain.same(state.mac, previous) {
            problem = AuditProblem(
                .headMismatch, team: team, sequence: last,
                detail: "the head's MAC is not record \(last)'s")
        }
        return problem
    }
}
