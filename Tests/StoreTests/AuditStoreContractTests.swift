import Foundation
import GRDB
import PostgresNIO
import PostgresStore
import Testing
import Vault

/// The audit trail's contract, on every store: per-team chains numbered from 1 that verify;
/// an edited record, a deleted record, a deleted tail, a forged MAC, an edited head or
/// checkpoint are each found at their sequence; a prune leaves a checkpoint verification
/// continues from; a master key rotation re-signs (and refuses a broken chain unless told);
/// queries never cross teams; two store instances appending at once never fork a chain.
struct AuditStoreContractTests {
    /// A use of connection `connection` at `at`.
    static func use(_ team: String, _ connection: String = "conn-1", at: Double, path: String = "/v1/items")
        -> VaultEvent
    {
        VaultEvent(
            .credentialUse, team: team, at: at, attribution: Attribution(actor: "user:ada", agent: "digest"),
            connection: connection, connectionName: "Peer", method: "GET", origin: "https://api.example.com",
            path: path, status: 200)
    }

    /// `count` records in `team`'s chain, at 1000, 1001, …
    static func fill(_ vault: Vault, team: String, count: Int, from: Double = 1_000) async throws {
        let events = (0..<count).map { use(team, at: from + Double($0)) }
        try await vault.store.appendAudit(events, chain: vault.auditChain)
    }

    /// Runs SQL on the store's database, as someone with write access to it would.
    static func tamper(_ setup: TestStore, _ sql: String) async throws {
        switch setup.store {
        case let sqlite as SQLiteVaultStore: try await sqlite.pool.write { try $0.execute(sql: sql) }
        case let postgres as PostgresVaultStore: try await postgres.execute(PostgresQuery(unsafeSQL: sql))
        default: Issue.record("unknown store")
        }
    }

    static func problem(_ vault: Vault, team: String = "a") async throws -> AuditProblem? {
        try await vault.verifyAudit(teams: [team]).first?.problem
    }

    @Test(arguments: StoreKind.available)
    func eachTeamsChainCountsFromOneAndVerifies(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 5)
        try await Self.fill(vault, team: "b", count: 2)
        let written = try await vault.store.appendAudit(
            [Self.use("b", at: 2_000), Self.use("a", at: 2_001)], chain: vault.auditChain)
        #expect(written.map { "\($0.team)\($0.sequence)" }.sorted() == ["a6", "b3"])
        let results = try await vault.verifyAudit()
        #expect(results.map(\.team) == ["a", "b"])
        #expect(results.allSatisfy { $0.problem == nil })
        #expect(results.map(\.records) == [6, 3])
        #expect(results.first?.head?.sequence == 6)
        #expect(results.first?.head?.macPrefix.count == 16)
        let a = try await vault.auditRecords(limit: 100)
        #expect(a.map(\.sequence) == [6, 5, 4, 3, 2, 1])
        #expect(a.allSatisfy { $0.team == "a" })
        // Every field comes back as it went in.
        #expect(a.last?.event == Self.use("a", at: 1_000))
    }

    @Test(arguments: StoreKind.available)
    func queriesFilterPageAndNeverCrossTeams(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        var events: [VaultEvent] = []
        for index in 0..<10 {
            events.append(Self.use("a", index % 2 == 0 ? "conn-even" : "conn-odd", at: 1_000 + Double(index)))
        }
        events.append(Self.use("b", "conn-even", at: 5_000))
        try await vault.store.appendAudit(events, chain: vault.auditChain)
        let even = try await vault.auditRecords(connection: "conn-even")
        #expect(even.map(\.sequence) == [9, 7, 5, 3, 1])
        let recent = try await vault.auditRecords(since: 1_007)
        #expect(recent.map(\.sequence) == [10, 9, 8])
        let first = try await vault.auditRecords(limit: 4)
        #expect(first.map(\.sequence) == [10, 9, 8, 7])
        let second = try await vault.auditRecords(before: first.last?.sequence, limit: 4)
        #expect(second.map(\.sequence) == [6, 5, 4, 3])
        let evenPage = try await vault.auditRecords(connection: "conn-even", before: 5, limit: 10)
        #expect(evenPage.map(\.sequence) == [3, 1])
        // Team b sees its one record, never a's, even for a's connection id.
        let b = vault.forTeam("b")
        #expect(try await b.auditRecords().map(\.event.at) == [5_000])
        #expect(try await b.auditRecords(connection: "conn-odd").isEmpty)
        #expect(try await vault.auditRecords(limit: 0).count == 1)
        #expect(try await vault.auditRecords(limit: 1_000_000).count == 10)
    }

    @Test(arguments: StoreKind.available)
    func anEditedRecordIsFoundAtItsSequence(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 4)
        #expect(try await Self.problem(vault) == nil)
        try await Self.tamper(
            setup, "UPDATE audit_records SET origin = 'https://evil.example' WHERE team = 'a' AND seq = 2")
        let problem = try #require(try await Self.problem(vault))
        #expect(problem.kind == .recordMAC && problem.sequence == 2 && problem.team == "a")
        // Team b's chain is not concerned.
        try await Self.fill(vault, team: "b", count: 1)
        #expect(try await Self.problem(vault, team: "b") == nil)
    }

    @Test(arguments: StoreKind.available)
    func aDeletedRecordIsAGap(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 4)
        try await Self.tamper(setup, "DELETE FROM audit_records WHERE team = 'a' AND seq = 3")
        let problem = try #require(try await Self.problem(vault))
        #expect(problem.kind == .gap && problem.sequence == 3)
        // Renumbering the rest to close the gap breaks their MACs instead.
        try await Self.tamper(setup, "UPDATE audit_records SET seq = 3 WHERE team = 'a' AND seq = 4")
        let renumbered = try #require(try await Self.problem(vault))
        #expect(renumbered.kind == .recordMAC && renumbered.sequence == 3)
    }

    @Test(arguments: StoreKind.available)
    func aDeletedTailIsFoundThroughTheSignedHead(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 5)
        try await Self.tamper(setup, "DELETE FROM audit_records WHERE team = 'a' AND seq >= 4")
        let problem = try #require(try await Self.problem(vault))
        #expect(problem.kind == .truncated && problem.sequence == 4)
        // Moving the head back without the key does not hide it.
        try await Self.tamper(setup, "UPDATE audit_heads SET seq = 3 WHERE team = 'a'")
        #expect(try await Self.problem(vault)?.kind == .headSignature)
    }

    @Test(arguments: StoreKind.available)
    func aMACForgedWithoutTheChainKeyIsFound(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 3)
        // The attacker edits record 3 and signs it with a key of their own.
        let records = try await vault.store.auditRecords(team: "a", after: 1, limit: 10)
        var edited = records[1].event
        edited.path = "/v1/other"
        let forged = AuditChain(masterKey: MasterKey.generate()).mac(edited, sequence: 3, previous: records[0].mac)
        let hex = forged.map { String(format: "%02x", $0) }.joined()
        let blob = kind == .postgres ? "'\\x\(hex)'::bytea" : "X'\(hex)'"
        try await Self.tamper(
            setup, "UPDATE audit_records SET path = '/v1/other', mac = \(blob) WHERE team = 'a' AND seq = 3")
        let problem = try #require(try await Self.problem(vault))
        #expect(problem.kind == .recordMAC && problem.sequence == 3)
    }

    @Test(arguments: StoreKind.available)
    func aPruneLeavesACheckpointThatVerificationContinuesFrom(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 6)  // at 1000…1005
        let pruned = try await vault.pruneAudit(before: 1_003.5)
        #expect(pruned.map(\.deleted) == [4])
        #expect(pruned.first?.checkpoint?.sequence == 4)
        #expect(try await vault.auditRecords().map(\.sequence) == [6, 5])
        #expect(try await Self.problem(vault) == nil)
        // Appending goes on from the head; verification too.
        try await Self.fill(vault, team: "a", count: 2, from: 2_000)
        let result = try #require(try await vault.verifyAudit(teams: ["a"]).first)
        #expect(result.problem == nil && result.records == 4 && result.head?.sequence == 8)
        // Pruning again, everything: the checkpoint is the head.
        #expect(try await vault.pruneAudit(before: 9_999).map(\.deleted) == [4])
        #expect(try await Self.problem(vault) == nil)
        #expect(try await vault.pruneAudit(before: 9_999).map(\.deleted) == [0])
        // Deleting the oldest kept records is not a prune: there is no checkpoint for them.
        try await Self.fill(vault, team: "a", count: 3, from: 3_000)
        try await Self.tamper(setup, "DELETE FROM audit_records WHERE team = 'a' AND seq = 9")
        #expect(try await Self.problem(vault)?.kind == .gap)
        // Nor is moving the checkpoint forward by hand.
        try await Self.tamper(setup, "UPDATE audit_heads SET checkpoint_seq = 9 WHERE team = 'a'")
        let problem = try #require(try await Self.problem(vault))
        #expect(problem.kind == .checkpointSignature && problem.sequence == 9)
    }

    @Test(arguments: StoreKind.available)
    func aPruneRefusesToVouchForAnEditedRecord(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 4)
        try await Self.tamper(setup, "UPDATE audit_records SET actor = 'user:nobody' WHERE team = 'a' AND seq = 2")
        await #expect(throws: VaultError.self) { try await vault.pruneAudit(before: 1_002.5) }
        #expect(try await vault.auditRecords().count == 4)
        #expect(try await Self.problem(vault)?.sequence == 2)
    }

    @Test(arguments: StoreKind.available)
    func rotationReSignsEveryChainUnderTheNewKey(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 5)
        try await Self.fill(vault, team: "b", count: 2)
        _ = try await vault.pruneAudit(before: 1_001.5, teams: ["a"])
        let before = try await vault.store.auditRecords(team: "a", after: 0, limit: 100)
        try await MasterKey.rotateFile(home: setup.home, to: MasterKey.generate()) { key throws(VaultError) in
            try await vault.rewrapAll(with: key)
        }
        let reopened = try await setup.vault(team: "a")
        let results = try await reopened.verifyAudit()
        #expect(results.map(\.team) == ["a", "b"])
        #expect(results.allSatisfy { $0.problem == nil }, "\(results.map(\.problem))")
        let after = try await reopened.store.auditRecords(team: "a", after: 0, limit: 100)
        #expect(after.count == before.count + 1)
        #expect(zip(before, after).allSatisfy { $0.mac != $1.mac && $0.event == $1.event })
        #expect(after.last?.event.action == .masterKeyRotate)
        // The old key no longer verifies it.
        #expect(try await vault.verifyAudit(teams: ["a"]).first?.problem?.kind == .otherKey)
        // Nor can it append: the recorder's writes under the old key are refused.
        await #expect(throws: VaultError.self) {
            try await vault.store.appendAudit([Self.use("a", at: 5)], chain: vault.auditChain)
        }
    }

    @Test(arguments: StoreKind.available)
    func aBrokenChainRefusesRotationUnlessToldToReSign(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        try await Self.fill(vault, team: "a", count: 3)
        try await Self.fill(vault, team: "b", count: 3)
        try await Self.tamper(setup, "UPDATE audit_records SET path = '/x' WHERE team = 'b' AND seq = 2")
        let keyIDs = try await setup.store.masterKeyIDs()
        let newKey = MasterKey.generate()
        do {
            try await vault.rewrapAll(with: newKey)
            Issue.record("the rotation went through")
        } catch {
            #expect(error.message.contains("team b") && error.message.contains("sequence 2"), "\(error.message)")
        }
        // All or nothing: the data keys and the chains are as they were.
        #expect(try await setup.store.masterKeyIDs() == keyIDs)
        #expect(try await Self.problem(vault, team: "a") == nil)

        try await vault.rewrapAll(with: newKey, resignBrokenAudit: true)
        let rotated = try await Vault(
            store: setup.store, home: setup.home, team: "b", masterKey: newKey, catalog: vault.catalog)
        let results = try await rotated.verifyAudit()
        #expect(results.allSatisfy { $0.problem == nil }, "\(results.map(\.problem))")
        let note = try #require(try await rotated.auditRecords(limit: 1).first)
        #expect(note.event.action == .masterKeyRotate && note.event.succeeded == false)
        #expect(note.event.detail?.contains("sequence 2") == true)
    }

    @Test(arguments: StoreKind.available)
    func twoStoreInstancesAppendingAtOnceNeverForkAChain(kind: StoreKind) async throws {
        let setup = try await kind.make()
        let vault = try await setup.vault(team: "a")
        let other = try await setup.secondNode()
        let chain = vault.auditChain
        let stores: [any AuditStore] = [setup.store, other]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                let store = stores[worker % 2]
                group.addTask {
                    for batch in 0..<5 {
                        let events = (0..<3).map {
                            Self.use(worker % 3 == 0 ? "b" : "a", at: Double(worker * 100 + batch * 10 + $0))
                        }
                        try await store.appendAudit(events, chain: chain)
                    }
                }
            }
            try await group.waitForAll()
        }
        let results = try await vault.verifyAudit()
        #expect(results.allSatisfy { $0.problem == nil }, "\(results.map(\.problem))")
        let total: Int = results.map(\.records).reduce(0, +)
        #expect(total == 120)
        let sequences: [Int64] = try await vault.auditRecords(limit: 1_000).map(\.sequence)
        let expected: [Int64] = (1...Int64(results[0].records)).reversed()
        #expect(sequences == expected)
        (other as? PostgresVaultStore)?.close()
    }
}
