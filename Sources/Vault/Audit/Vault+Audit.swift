import Foundation

/// The audit trail as the Vault shows it: the team's records, verification of the chains,
/// retention, and the re-signing a master key rotation does.
extension Vault {
    /// The chain key of this vault's master key.
    public var auditChain: AuditChain { AuditChain(masterKey: masterKey) }

    /// The team's records, newest first: all of them, or one connection's (which must be a
    /// connection of this team, or have been: a removed one's records stay readable by id).
    public func auditRecords(connection: String? = nil, since: Double? = nil, before: Int64? = nil, limit: Int = 100)
        async throws(VaultError) -> [AuditRecord]
    {
        try await store.auditRecords(
            AuditQuery(team: team, connection: connection, since: since, before: before, limit: limit))
    }

    /// What verifying one team's chain found.
    public struct AuditVerification: Sendable {
        /// The team.
        public let team: String
        /// The records checked.
        public let records: Int
        /// The head row, as stored.
        public let head: AuditChainState?
        /// The first problem; nil when the chain verifies.
        public let problem: AuditProblem?
    }

    /// Recomputes the chains of `teams` (every team with a chain when nil) under this vault's
    /// master key, page by page.
    public func verifyAudit(teams: [String]? = nil) async throws(VaultError) -> [AuditVerification] {
        var results: [AuditVerification] = []
        for team in try await chosen(teams) {
            results.append(try await verifyAudit(team: team))
        }
        return results
    }

    /// `teams`, or every team with a chain.
    func chosen(_ teams: [String]?) async throws(VaultError) -> [String] {
        if let teams { return teams }
        return try await store.auditTeams()
    }

    func verifyAudit(team: String, attempt: Int = 0) async throws(VaultError) -> AuditVerification {
        let chain = auditChain
        let head = try await store.auditHead(team: team)
        var check = AuditChainCheck(team: team, state: head, chain: chain)
        var after = head?.checkpoint?.sequence ?? 0
        while check.isIntact {
            let page = try await store.auditRecords(team: team, after: after, limit: 1_000)
            guard let last = page.last else { break }
            // Records appended since the head was read are for the next verification.
            let upToHead = head.map { head in page.filter { $0.sequence <= head.sequence } } ?? page
            check.check(upToHead)
            if upToHead.count < page.count { break }
            after = last.sequence
        }
        let problem = check.finish(head: head)
        // A prune that ran while this one read makes a false gap at the start: read again.
        if problem?.kind == .gap, attempt == 0,
            try await store.auditHead(team: team)?.checkpoint != head?.checkpoint
        {
            return try await verifyAudit(team: team, attempt: 1)
        }
        return AuditVerification(team: team, records: check.count, head: head, problem: problem)
    }

    /// Deletes every team's records older than `time` (or only `teams`'), leaving checkpoints.
    public func pruneAudit(before time: Double, teams: [String]? = nil) async throws(VaultError) -> [AuditPruned] {
        var results: [AuditPruned] = []
        for team in try await chosen(teams) {
            results.append(try await store.pruneAudit(team: team, before: time, chain: auditChain))
        }
        return results
    }

    /// Re-wraps every data key under `newKey` and re-signs every audit chain under its chain
    /// key, in one transaction; a chain that does not verify refuses the rotation unless
    /// `resignBrokenAudit` (then it is re-signed, and a record in it says so). The caller
    /// writes the new key file only after this returns (and keeps the old one until then).
    public func rewrapAll(with newKey: MasterKey, resignBrokenAudit: Bool) async throws(VaultError) {
        let old = masterKey
        await events.flush()
        try await store.rewrapAll(
            { team, owner, wrapped in
                let dataKey = try Envelope.unwrap(wrapped, with: old, team: team, owner: owner)
                return (try Envelope.wrap(dataKey, with: newKey, team: team, owner: owner), newKey.id)
            },
            resigning: AuditResigning(
                old: auditChain, new: AuditChain(masterKey: newKey), resignBroken: resignBrokenAudit,
                attribution: .current, at: clock().timeIntervalSince1970))
    }
}
