import Foundation

/// What both stores' audit code shares: grouping a batch by team, the errors, re-signing.
package enum AuditStoreSupport {
    /// The batch's teams in sorted order (every node locks heads in the same order, so two
    /// batches of several teams never wait for each other), each with its events in order.
    package static func byTeam(_ events: [VaultEvent]) -> [(String, [VaultEvent])] {
        var groups: [String: [VaultEvent]] = [:]
        for event in events { groups[event.team, default: []].append(event) }
        return groups.keys.sorted().map { ($0, groups[$0] ?? []) }
    }

    /// A chain signed under another master key than the caller's.
    package static func otherKey(_ head: AuditChainState, _ chain: AuditChain) -> VaultError {
        .masterKey(
            "the audit chain of team \(head.team) is signed under master key \(head.keyID), not \(chain.keyID)")
    }

    /// A prune refused because what it would delete does not verify.
    package static func pruneRefusal(_ problem: AuditProblem) -> VaultError {
        .masterKey(
            "prune refused: the audit chain of team \(problem.team) does not verify at sequence \(problem.sequence) "
                + "(\(problem.detail)); see keyflow audit verify")
    }
}

/// Signs a chain again under a new key, record by record (a rotation): the checkpoint keeps
/// the MAC it holds (a record that no longer exists) and gets a new signature.
package struct AuditResigner {
    let team: String
    let chain: AuditChain
    let checkpoint: AuditCheckpoint?
    private var previous: Data
    private var sequence: Int64

    package init(team: String, checkpoint: AuditCheckpoint?, chain: AuditChain) {
        self.team = team
        self.chain = chain
        self.checkpoint = checkpoint.map {
            chain.checkpoint(team: team, sequence: $0.sequence, mac: $0.mac, before: $0.before)
        }
        previous = checkpoint?.mac ?? Data()
        sequence = checkpoint?.sequence ?? 0
    }

    /// The new MAC of the next record.
    package mutating func sign(_ record: AuditRecord) -> Data {
        let mac = chain.mac(record.event, sequence: record.sequence, previous: previous)
        previous = mac
        sequence = record.sequence
        return mac
    }

    /// The new head: the last record signed (or the checkpoint).
    package var head: AuditChainState {
        chain.head(team: team, sequence: sequence, mac: previous, checkpoint: checkpoint)
    }
}
