import Foundation

/// Where the teams' audit trails live (`audit_records`, and one `audit_heads` row per team):
/// append-only chains of `AuditRecord`s, each team's numbered from 1 and MACed under an
/// `AuditChain`. Appends lock the team's head row (PostgreSQL: `SELECT … FOR UPDATE`;
/// SQLite: the write transaction), so several nodes never fork a chain. Every read names its
/// team. Implementations throw `VaultError.storage` when the database fails.
public protocol AuditStore: Sendable {
    /// Appends `events`, in order, each to its team's chain, in one transaction (all or none);
    /// returns the records written, team by team. Throws `VaultError.masterKey` when a chain is signed under
    /// another master key than `chain`'s.
    @discardableResult
    func appendAudit(_ events: [VaultEvent], chain: AuditChain) async throws(VaultError) -> [AuditRecord]

    /// The query's records, newest first.
    func auditRecords(_ query: AuditQuery) async throws(VaultError) -> [AuditRecord]

    /// The team's records after `sequence`, oldest first, at most `limit` (for verification).
    func auditRecords(team: String, after sequence: Int64, limit: Int) async throws(VaultError) -> [AuditRecord]

    /// The team's head row (with its checkpoint); nil when the team has no chain.
    func auditHead(team: String) async throws(VaultError) -> AuditChainState?

    /// The teams that have a head row or records, sorted.
    func auditTeams() async throws(VaultError) -> [String]

    /// Deletes the team's records older than `time` (a prefix of the chain), after verifying
    /// them under `chain`, and leaves a signed checkpoint at the last one deleted, in one
    /// transaction under the head's lock. Throws `VaultError.masterKey` naming the team and
    /// sequence when those records do not verify (nothing is deleted then).
    func pruneAudit(team: String, before time: Double, chain: AuditChain) async throws(VaultError) -> AuditPruned

    /// `rewrapAll` and the re-signing of every audit chain (see `AuditResigning`) in one
    /// transaction: all or none.
    func rewrapAll(
        _ rewrap: @escaping @Sendable (_ team: String, _ owner: String, _ wrapped: Data) throws -> (Data, String),
        resigning: AuditResigning
    ) async throws(VaultError)
}
