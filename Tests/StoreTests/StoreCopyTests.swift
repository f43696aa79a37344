import Accounts
import Foundation
import OAuthCore
import PostgresStore
import TestSupport
import Testing
import Vault

/// `keyflow db copy`: a whole vault moved between SQLite and PostgreSQL, sealed as it is, all
/// or nothing; refused over a non-empty destination or a source that a serve is using.
@Suite(.serialized) struct StoreCopyTests {
    /// From one kind of store to another.
    struct Direction: Sendable, CustomStringConvertible {
        let from: StoreKind
        let to: StoreKind
        var description: String { "\(from) → \(to)" }
    }

    static var directions: [Direction] {
        StoreKind.available.contains(.postgres)
            ? [Direction(from: .sqlite, to: .postgres), Direction(from: .postgres, to: .sqlite)]
            : [Direction(from: .sqlite, to: .sqlite)]
    }

    static func copy(_ source: TestStore, _ destination: TestStore) throws -> KeyflowCLI.Result {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-copy-\(UUID())")
        return try KeyflowCLI.run(
            ["db", "copy", "--from", source.databaseText, "--to", destination.databaseText],
            environment: ["KEYFLOW_HOME": home.path])
    }

    /// A vault with a little of everything: a logged-in connection, a key, a user, an agent, a
    /// model route through the connection.
    static func fill(_ vault: Vault, store: any FullStore, peer: PeerServer, transport: AsyncHTTPTransport)
        async throws -> String
    {
        let id = try await SharedVaultPeerTests.addPeerConnection(vault, peer: peer)
        let flows = AuthorizationFlows(
            vault: vault, transport: transport, callbacks: CallbackURLs(base: "http://127.0.0.1:8787"))
        _ = try await login(flows, id, transport: transport)
        try await vault.setKey("SLACK", value: "xoxb-copied")
        _ = try await Users.add(name: "ada", team: vault.team, store: store)
        _ = try await store.saveAgent(
            team: vault.team, name: "digest", body: Data("{}".utf8), changedBy: "ada", changedAt: 1,
            expectedVersion: nil)
        _ = try await vault.putModel(
            name: "local", provider: .openaiCompatible, baseURL: peer.baseURL + "/v1", connection: id,
            upstreamModel: "llama3.1")
        try await vault.saveConversation(
            agent: "digest", key: "conv-uada-c1", messages: [ConversationMessage(role: .user, content: "hi")],
            ttl: nil)
        return id
    }

    @Test(arguments: directions)
    func everyConnectionKeepsWorkingAfterACopy(direction: Direction) async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        let transport = AsyncHTTPTransport()
        do {
            let source = try await direction.from.make()
            let vault = try await source.vault(team: "acme")
            let id = try await Self.fill(vault, store: source.store, peer: peer, transport: transport)
            let before = try #require(try await vault.tokens(of: id))
            let destination = try await direction.to.make()

            let result = try Self.copy(source, destination)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stdout.contains(
                    "Copied 1 connections, 1 vault_keys, 1 users, 1 agents, 1 agent_revisions, 1 model_routes, 1 llm_conversations"
                ))
            if let password = source.url?.password ?? destination.url?.password {
                #expect(!(result.stdout + result.stderr).contains(password))
            }

            // The same master key opens the copy; the sealed rows are the same bytes.
            let copied = try await Vault.open(home: source.home, team: "acme", store: destination.store).vault
            #expect(try await copied.tokens(of: id) == before)
            #expect(try await copied.secrets(of: id).clientSecret == "secret-basic")
            #expect(try await copied.keyValue("SLACK") == "xoxb-copied")
            #expect(try await destination.store.users().map(\.name) == ["ada"])
            #expect(try await destination.store.agentNames(team: "acme") == ["digest"])
            #expect(try await copied.models() == vault.models())
            #expect(try await copied.model(named: "local")?.connection == id)
            #expect(
                try await copied.conversation(agent: "digest", key: "conv-uada-c1") == [
                    ConversationMessage(role: .user, content: "hi")
                ])
            // The audit trail moves as it is and verifies under the same master key.
            let trail = try await vault.verifyAudit()
            let copiedTrail = try await copied.verifyAudit()
            #expect(!copiedTrail.isEmpty && copiedTrail.allSatisfy { $0.problem == nil })
            #expect(copiedTrail.map(\.head) == trail.map(\.head))

            // The copy refreshes with the copied refresh token, and the new token works.
            var expired = before
            expired.expiresAt = Date().timeIntervalSince1970 - 1
            try await copied.storeTokens(id, expired)
            let credential = try await TokenBroker(vault: copied, transport: transport).credential(for: id)
            #expect(credential.accessToken != before.accessToken)
            let me = try await transport.send(
                HTTPTransportRequest(
                    method: "GET", url: peer.baseURL + "/api/me",
                    headers: [("Authorization", "Bearer \(credential.accessToken)")]), timeout: .seconds(10))
            #expect(me.status == 200)
        } catch {
            peer.stop()
            try? await transport.shutdown()
            throw error
        }
        peer.stop()
        try await transport.shutdown()
    }

    @Test(arguments: directions)
    func aCopyIsRefusedOverRowsOrUnderALiveServe(direction: Direction) async throws {
        let source = try await direction.from.make()
        try await source.store.insert(StoreContractTests.connection("kc_1"))
        let destination = try await direction.to.make()
        try await destination.store.insert(StoreContractTests.connection("kc_other", team: "b"))

        let overRows = try Self.copy(source, destination)
        #expect(overRows.status == 2)
        #expect(overRows.stderr.contains("already holds 1 rows; copy only into an empty store"), "\(overRows.stderr)")
        #expect(try await destination.store.fetch(id: "kc_1", team: "a") == nil)

        let empty = try await direction.to.make()
        let now = Date().timeIntervalSince1970
        try await source.store.announce(ServeNode(id: "kn_live", host: "node-a", pid: 42, startedAt: now, seenAt: now))
        let underServe = try Self.copy(source, empty)
        #expect(underServe.status == 2)
        #expect(
            underServe.stderr.contains("keyflow serve is using the source (node-a, pid 42)"), "\(underServe.stderr)")
        #expect(try await empty.store.list(team: "a").isEmpty)

        // A node that stopped beating long ago (killed) does not hold the copy up.
        try await source.store.announce(
            ServeNode(id: "kn_live", host: "node-a", pid: 42, startedAt: now - 60, seenAt: now - 60))
        let afterCrash = try Self.copy(source, empty)
        #expect(afterCrash.status == 0, "\(afterCrash.stderr)")
        #expect(try await empty.store.list(team: "a").map(\.id) == ["kc_1"])
    }

    @Test(.enabled(if: StoreKind.available.contains(.postgres)))
    func aCopyThatFailsPartWayWritesNothing() async throws {
        let source = try await StoreKind.sqlite.make()
        try await source.store.insert(StoreContractTests.connection("kc_1"))
        try await source.store.putAddNewTarget(
            StoredAddNewTarget(
                connectionID: "kc_1", team: "a", agent: "boom", component: "C1", changedBy: "x", createdAt: 1))
        let destination = try await StoreKind.postgres.make()
        // The last table the copy writes refuses this row: everything before it must roll back.
        let postgres = try #require(destination.store as? PostgresVaultStore)
        try await postgres.execute("ALTER TABLE add_new_targets ADD CONSTRAINT no_boom CHECK (agent <> 'boom')")

        let result = try Self.copy(source, destination)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no_boom"), "\(result.stderr)")
        #expect(try await destination.store.list(team: "a").isEmpty)
    }
}
