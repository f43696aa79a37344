import Foundation
import OAuthCore
import Runtime
import Testing
import Vault

/// The vault's store failing during pre-flight (PostgreSQL restarting) is not a missing
/// connection: the problem says the store could not be read, and the error is marked so the
/// server answers 503 (try again) instead of blaming the agent.
struct StoreOutagePreflightTests {
    /// An SQLite store whose reads of connections fail while `down` is set.
    final class FlakyStore: VaultStore, @unchecked Sendable {
        let base: SQLiteVaultStore
        private let lock = NSLock()
        private var isDown = false
        var down: Bool {
            get { lock.withLock { isDown } }
            set { lock.withLock { isDown = newValue } }
        }
        var localWrites: LocalWriteCounter { base.localWrites }
        init(_ base: SQLiteVaultStore) { self.base = base }

        func outage() throws(VaultError) {
            if down {
                throw .storage("PostgreSQL: the connection was closed (the server restarted or the network failed)")
            }
        }
        func insert(_ c: StoredConnection) async throws(VaultError) { try await base.insert(c) }
        func fetch(id: String, team: String) async throws(VaultError) -> StoredConnection? {
            try outage()
            return try await base.fetch(id: id, team: team)
        }
        func list(team: String) async throws(VaultError) -> [StoredConnection] { try await base.list(team: team) }
        func fetchLegacy(team: String, agentID: String, componentID: String) async throws(VaultError)
            -> StoredConnection?
        { try await base.fetchLegacy(team: team, agentID: agentID, componentID: componentID) }
        func replace(_ c: StoredConnection, expectedVersion: Int64) async throws(VaultError) -> Bool {
            try await base.replace(c, expectedVersion: expectedVersion)
        }
        func delete(id: String, team: String) async throws(VaultError) -> Bool {
            try await base.delete(id: id, team: team)
        }
        func version(id: String, team: String) async throws(VaultError) -> Int64? {
            try outage()
            return try await base.version(id: id, team: team)
        }
        func masterKeyIDs() async throws(VaultError) -> Set<String> { try await base.masterKeyIDs() }
        func rewrapAll(_ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String))
            async throws(VaultError)
        { try await base.rewrapAll(rewrap) }
        func putKey(_ key: StoredKey) async throws(VaultError) { try await base.putKey(key) }
        func fetchKey(team: String, name: String) async throws(VaultError) -> StoredKey? {
            try await base.fetchKey(team: team, name: name)
        }
        func listKeys(team: String) async throws(VaultError) -> [StoredKey] { try await base.listKeys(team: team) }
        func deleteKey(team: String, name: String) async throws(VaultError) -> Bool {
            try await base.deleteKey(team: team, name: name)
        }
        func insertLogin(_ login: StoredLogin) async throws(VaultError) { try await base.insertLogin(login) }
        func login(keyHash: String) async throws(VaultError) -> StoredLogin? { try await base.login(keyHash: keyHash) }
        func takeLogin(keyHash: String) async throws(VaultError) -> StoredLogin? {
            try await base.takeLogin(keyHash: keyHash)
        }
        func hasLogins(team: String) async throws(VaultError) -> Bool { try await base.hasLogins(team: team) }
        func purgeLogins(expiredBefore time: Double) async throws(VaultError) -> Int {
            try await base.purgeLogins(expiredBefore: time)
        }
        func putAddNewTarget(_ target: StoredAddNewTarget) async throws(VaultError) {
            try await base.putAddNewTarget(target)
        }
        func takeAddNewTarget(connectionID: String, team: String) async throws(VaultError) -> StoredAddNewTarget? {
            try await base.takeAddNewTarget(connectionID: connectionID, team: team)
        }
        func purgeAddNewTargets(createdBefore time: Double) async throws(VaultError) -> Int {
            try await base.purgeAddNewTargets(createdBefore: time)
        }
        func announce(_ node: ServeNode) async throws(VaultError) { try await base.announce(node) }
        func retire(nodeID: String) async throws(VaultError) -> Bool { try await base.retire(nodeID: nodeID) }
        func nodes(seenAfter time: Double) async throws(VaultError) -> [ServeNode] {
            try await base.nodes(seenAfter: time)
        }
    }

    @Test func anUnreachableStoreIsNotAMissingConnection() async throws {
        let home = KeyflowHome(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-outage-\(UUID())"))
        let store = FlakyStore(try SQLiteVaultStore(path: home.vaultPath))
        let vault = try await Vault.open(home: home, store: store).vault
        let id = try await vault.add(
            kind: "custom-oauth2", name: "CRM",
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": "s", "authorizationURL": "https://a.example/a",
                    "tokenURL": "https://a.example/t",
                ])
        ).id
        let agent = try singleComponentAgent(
            type: "APICall", data: #"{"url": "https://a.example/me", "method": "GET", "oauth_con_id": "\#(id)"}"#,
            outputs: ["Response"])
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let preflight = Preflight(vault: vault, broker: TokenBroker(vault: vault, transport: transport), login: nil)

        store.down = true
        let error = await #expect(throws: PreflightError.self) { try await preflight.resolve(agent, agentID: "a") }
        #expect(error?.storeUnavailable == true)
        let message = error?.description ?? ""
        #expect(!message.contains("no vault connection") && message.contains("cannot be read"), "\(message)")

        // With the store back, the same connection is found (it needs a login, as it should).
        store.down = false
        let again = await #expect(throws: PreflightError.self) { try await preflight.resolve(agent, agentID: "a") }
        #expect(again?.storeUnavailable == false && again?.description.contains("not authenticated") == true)
    }
}
