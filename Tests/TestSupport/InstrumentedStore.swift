import Foundation
import Vault

/// A store around another one, for tests: counts the reads of connection rows (`fetch`) and,
/// while `down` is set, fails them and version checks as a database restart would.
public final class InstrumentedStore: VaultStore, @unchecked Sendable {
    let base: any VaultStore
    private let lock = NSLock()
    private var isDown = false
    /// While set, `fetch` and `version` fail with `VaultError.storage`.
    public var down: Bool {
        get { lock.withLock { isDown } }
        set { lock.withLock { isDown = newValue } }
    }
    public var localWrites: LocalWriteCounter { base.localWrites }
    /// Wraps `base`.
    public init(_ base: any VaultStore) { self.base = base }
    private var fetchCount = 0
    /// How many times `fetch` was called.
    public var fetches: Int { lock.withLock { fetchCount } }

    private func outage() throws(VaultError) {
        if down {
            throw .storage("PostgreSQL: the connection was closed (the server restarted or the network failed)")
        }
    }
    public func insert(_ c: StoredConnection) async throws(VaultError) { try await base.insert(c) }
    public func fetch(id: String, team: String) async throws(VaultError) -> StoredConnection? {
        lock.withLock { fetchCount += 1 }
        try outage()
        return try await base.fetch(id: id, team: team)
    }
    public func list(team: String) async throws(VaultError) -> [StoredConnection] { try await base.list(team: team) }
    public func fetchLegacy(team: String, agentID: String, componentID: String) async throws(VaultError)
        -> StoredConnection?
    { try await base.fetchLegacy(team: team, agentID: agentID, componentID: componentID) }
    public func replace(_ c: StoredConnection, expectedVersion: Int64) async throws(VaultError) -> Bool {
        try await base.replace(c, expectedVersion: expectedVersion)
    }
    public func replace(_ c: StoredConnection, expectedVersion: Int64, outbox: StatusChange?)
        async throws(VaultError) -> Bool
    { try await base.replace(c, expectedVersion: expectedVersion, outbox: outbox) }
    public func delete(id: String, team: String) async throws(VaultError) -> Bool {
        try await base.delete(id: id, team: team)
    }
    public func version(id: String, team: String) async throws(VaultError) -> Int64? {
        try outage()
        return try await base.version(id: id, team: team)
    }
    public func masterKeyIDs() async throws(VaultError) -> Set<String> { try await base.masterKeyIDs() }
    public func rewrapAll(_ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String))
        async throws(VaultError)
    { try await base.rewrapAll(rewrap) }
    public func putKey(_ key: StoredKey) async throws(VaultError) { try await base.putKey(key) }
    public func fetchKey(team: String, name: String) async throws(VaultError) -> StoredKey? {
        try await base.fetchKey(team: team, name: name)
    }
    public func listKeys(team: String) async throws(VaultError) -> [StoredKey] { try await base.listKeys(team: team) }
    public func deleteKey(team: String, name: String) async throws(VaultError) -> Bool {
        try await base.deleteKey(team: team, name: name)
    }
    public func insertLogin(_ login: StoredLogin) async throws(VaultError) { try await base.insertLogin(login) }
    public func login(keyHash: String) async throws(VaultError) -> StoredLogin? {
        try await base.login(keyHash: keyHash)
    }
    public func takeLogin(keyHash: String) async throws(VaultError) -> StoredLogin? {
        try await base.takeLogin(keyHash: keyHash)
    }
    public func hasLogins(team: String) async throws(VaultError) -> Bool { try await base.hasLogins(team: team) }
    public func purgeLogins(expiredBefore time: Double) async throws(VaultError) -> Int {
        try await base.purgeLogins(expiredBefore: time)
    }
    public func putAddNewTarget(_ target: StoredAddNewTarget) async throws(VaultError) {
        try await base.putAddNewTarget(target)
    }
    public func takeAddNewTarget(connectionID: String, team: String) async throws(VaultError) -> StoredAddNewTarget? {
        try await base.takeAddNewTarget(connectionID: connectionID, team: team)
    }
    public func purgeAddNewTargets(createdBefore time: Double) async throws(VaultError) -> Int {
        try await base.purgeAddNewTargets(createdBefore: time)
    }
    public func announce(_ node: ServeNode) async throws(VaultError) { try await base.announce(node) }
    public func retire(nodeID: String) async throws(VaultError) -> Bool { try await base.retire(nodeID: nodeID) }
    public func nodes(seenAfter time: Double) async throws(VaultError) -> [ServeNode] {
        try await base.nodes(seenAfter: time)
    }
    public func modelRoutes(team: String) async throws(VaultError) -> [ModelRoute] {
        try await base.modelRoutes(team: team)
    }
    public func modelRoute(team: String, name: String) async throws(VaultError) -> ModelRoute? {
        try await base.modelRoute(team: team, name: name)
    }
    public func putModelRoute(_ route: ModelRoute) async throws(VaultError) -> ModelRoute? {
        try await base.putModelRoute(route)
    }
    public func deleteModelRoute(team: String, name: String) async throws(VaultError) -> Bool {
        try await base.deleteModelRoute(team: team, name: name)
    }
    public func conversation(team: String, agent: String, key: String) async throws(VaultError)
        -> StoredConversation?
    { try await base.conversation(team: team, agent: agent, key: key) }
    public func putConversation(_ conversation: StoredConversation) async throws(VaultError) {
        try await base.putConversation(conversation)
    }
    public func deleteConversation(team: String, agent: String, key: String, expiredBy time: Double)
        async throws(VaultError) -> Bool
    { try await base.deleteConversation(team: team, agent: agent, key: key, expiredBy: time) }
    public func purgeConversations(expiredBy time: Double) async throws(VaultError) -> Int {
        try await base.purgeConversations(expiredBy: time)
    }
    public func recordHealth(_ rows: [ConnectionHealth]) async throws(VaultError) {
        try await base.recordHealth(rows)
    }
    public func health(team: String) async throws(VaultError) -> [ConnectionHealth] {
        try await base.health(team: team)
    }
    public func refreshCandidates(expiringBefore: Double, idleBefore: Double, limit: Int) async throws(VaultError)
        -> [RefreshCandidate]
    { try await base.refreshCandidates(expiringBefore: expiringBefore, idleBefore: idleBefore, limit: limit) }
    public func claimStatusChanges(owner: String, now: Double, leaseUntil: Double, createdAfter: Double, limit: Int)
        async throws(VaultError) -> [ClaimedStatusChange]
    {
        try await base.claimStatusChanges(
            owner: owner, now: now, leaseUntil: leaseUntil, createdAfter: createdAfter, limit: limit)
    }
    public func finishStatusChange(
        id: String, claim: String, state: StatusChangeState, nextAttemptAt: Double, error: String?, at: Double
    ) async throws(VaultError) -> Bool {
        try await base.finishStatusChange(
            id: id, claim: claim, state: state, nextAttemptAt: nextAttemptAt, error: error, at: at)
    }
    public func statusChanges(team: String) async throws(VaultError) -> [StatusOutboxEntry] {
        try await base.statusChanges(team: team)
    }
}

extension InstrumentedStore {
    @discardableResult
    public func appendAudit(_ events: [VaultEvent], chain: AuditChain) async throws(VaultError) -> [AuditRecord] {
        try await base.appendAudit(events, chain: chain)
    }
    public func auditRecords(_ query: AuditQuery) async throws(VaultError) -> [AuditRecord] {
        try await base.auditRecords(query)
    }
    public func auditRecords(team: String, after sequence: Int64, limit: Int) async throws(VaultError)
        -> [AuditRecord]
    { try await base.auditRecords(team: team, after: sequence, limit: limit) }
    public func auditHead(team: String) async throws(VaultError) -> AuditChainState? {
        try await base.auditHead(team: team)
    }
    public func auditTeams() async throws(VaultError) -> [String] { try await base.auditTeams() }
    public func pruneAudit(team: String, before time: Double, chain: AuditChain) async throws(VaultError)
        -> AuditPruned
    { try await base.pruneAudit(team: team, before: time, chain: chain) }
    public func rewrapAll(
        _ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String), resigning: AuditResigning
    ) async throws(VaultError) { try await base.rewrapAll(rewrap, resigning: resigning) }
}
