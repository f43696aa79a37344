import Foundation
import Synchronization
import Testing
import Vault

/// The audit recorder: changes are written before `record` returns, uses in batches (64, or
/// 100 ms after the first, or on flush), all in order; a failing store is retried, never
/// thrown at the caller, and the buffer is bounded.
struct AuditRecorderTests {
    /// A store around a SQLite one that fails its appends while `down`.
    final class FlakyStore: AuditStore {
        let base: SQLiteVaultStore
        let isDown = Mutex(false)
        let appends = Mutex(0)
        init() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-audit-\(UUID())")
            base = try SQLiteVaultStore(path: directory.appendingPathComponent("vault.sqlite"))
        }
        var down: Bool {
            get { isDown.withLock { $0 } }
            set { isDown.withLock { $0 = newValue } }
        }
        func appendAudit(_ events: [VaultEvent], chain: AuditChain) async throws(VaultError) -> [AuditRecord] {
            if down { throw .storage("the database is away") }
            appends.withLock { $0 += 1 }
            return try await base.appendAudit(events, chain: chain)
        }
        func auditRecords(_ query: AuditQuery) async throws(VaultError) -> [AuditRecord] {
            try await base.auditRecords(query)
        }
        func auditRecords(team: String, after sequence: Int64, limit: Int) async throws(VaultError)
            -> [AuditRecord]
        { try await base.auditRecords(team: team, after: sequence, limit: limit) }
        func auditHead(team: String) async throws(VaultError) -> AuditChainState? {
            try await base.auditHead(team: team)
        }
        func auditTeams() async throws(VaultError) -> [String] { try await base.auditTeams() }
        func pruneAudit(team: String, before time: Double, chain: AuditChain) async throws(VaultError)
            -> AuditPruned
        { try await base.pruneAudit(team: team, before: time, chain: chain) }
        func rewrapAll(
            _ rewrap: @escaping @Sendable (String, String, Data) throws -> (Data, String), resigning: AuditResigning
        ) async throws(VaultError) { try await base.rewrapAll(rewrap, resigning: resigning) }

        /// The team's records, oldest first.
        func stored(_ team: String = "a") async throws -> [AuditRecord] {
            try await base.auditRecords(team: team, after: 0, limit: 10_000)
        }
    }

    static let chain = AuditChain(masterKey: MasterKey.generate())

    static func use(_ index: Int, team: String = "a") -> VaultEvent {
        VaultEvent(.credentialUse, team: team, at: Double(index), connection: "conn-1", path: "/\(index)")
    }

    static func change(_ index: Int) -> VaultEvent {
        VaultEvent(.connectionEdit, team: "a", at: Double(index), connection: "conn-1", detail: "name")
    }

    /// Waits until `condition` holds, for at most `seconds`.
    static func eventually(_ seconds: Double = 3, _ condition: () async throws -> Bool) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    @Test func aChangeIsWrittenBeforeRecordReturnsAndUsesWaitForTheirBatch() async throws {
        let store = try FlakyStore()
        let recorder = AuditRecorder(store: store, chain: Self.chain, delay: .seconds(60))
        await recorder.record(Self.use(1))
        await recorder.record(Self.use(2))
        #expect(try await store.stored().isEmpty)
        await recorder.record(Self.change(3))
        // The change went out with the uses before it, in order.
        #expect(try await store.stored().map(\.event.at) == [1, 2, 3])
        #expect(try await store.stored().map(\.sequence) == [1, 2, 3])
        await recorder.record(Self.use(4))
        #expect(await recorder.pending == 1)
        await recorder.flush()
        #expect(try await store.stored().map(\.event.at) == [1, 2, 3, 4])
    }

    @Test func sixtyFourUsesMakeOneBatchWithoutAFlush() async throws {
        let store = try FlakyStore()
        let recorder = AuditRecorder(store: store, chain: Self.chain, delay: .seconds(60))
        for index in 0..<63 { await recorder.record(Self.use(index)) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await store.stored().isEmpty)
        await recorder.record(Self.use(63))
        #expect(try await Self.eventually { try await store.stored().count == 64 })
        #expect(store.appends.withLock { $0 } == 1)
        #expect(try await store.stored().map(\.event.at) == (0..<64).map(Double.init))
    }

    @Test func aLoneUseIsWrittenAfterTheDelay() async throws {
        let store = try FlakyStore()
        let recorder = AuditRecorder(store: store, chain: Self.chain, delay: .milliseconds(100))
        await recorder.record(Self.use(1))
        await recorder.record(Self.use(2, team: "b"))
        #expect(try await store.stored().isEmpty)
        #expect(try await Self.eventually(2) { try await store.stored().count == 1 })
        #expect(try await store.stored("b").count == 1)
        #expect(store.appends.withLock { $0 } == 1)
    }

    @Test func aFailedWriteIsRetriedInOrderAndNeverThrown() async throws {
        let store = try FlakyStore()
        let recorder = AuditRecorder(store: store, chain: Self.chain, delay: .seconds(60))
        store.down = true
        await recorder.record(Self.use(1))
        await recorder.record(Self.change(2))  // returns although the write failed
        await recorder.record(Self.use(3))
        await recorder.flush()
        #expect(await recorder.failedWrites == 2)
        #expect(await recorder.pending == 3)
        store.down = false
        await recorder.record(Self.change(4))
        #expect(try await store.stored().map(\.event.at) == [1, 2, 3, 4])
        #expect(await recorder.pending == 0)
    }

    @Test func theBufferIsBoundedAndDropsAreCounted() async throws {
        let store = try FlakyStore()
        let recorder = AuditRecorder(store: store, chain: Self.chain, delay: .seconds(60), capacity: 5)
        store.down = true
        for index in 0..<8 { await recorder.record(Self.use(index)) }
        #expect(await recorder.pending == 5)
        #expect(await recorder.dropped == 3)
        store.down = false
        await recorder.flush()
        #expect(try await store.stored().map(\.event.at) == [0, 1, 2, 3, 4])
    }

    @Test func concurrentRecordsKeepEachTeamsChainWhole() async throws {
        let store = try FlakyStore()
        let recorder = AuditRecorder(store: store, chain: Self.chain, batchSize: 8, delay: .milliseconds(5))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<10 {
                group.addTask {
                    for index in 0..<30 {
                        await recorder.record(
                            index % 10 == 0 ? Self.change(worker * 100 + index) : Self.use(worker * 100 + index))
                    }
                }
            }
        }
        await recorder.flush()
        let records = try await store.stored()
        #expect(records.map(\.sequence) == (1...300).map(Int64.init))
        #expect(Set(records.map(\.event.at)).count == 300)
    }

    @Test func auditOffAddsNoRecorder() async throws {
        let events = VaultEvents()
        let store = try FlakyStore()
        AuditRecorder.attach(
            to: events, store: store, masterKey: MasterKey.generate(), environment: ["KEYFLOW_AUDIT": "off"])
        #expect(events.isEmpty)
        AuditRecorder.attach(to: events, store: store, masterKey: MasterKey.generate(), environment: [:])
        #expect(!events.isEmpty)
    }
}
