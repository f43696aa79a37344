import Foundation
import OAuthCore
import Runtime
import Server
import TestSupport
import Testing
import Vault

/// The worker in one process on the embedded store: a run that will not stop is failed and
/// let go, so no run stays `running` for ever; a graceful shutdown lets a held run finish.
struct RunWorkerTests {
    /// A network that never answers and ignores cancellation, as a misbehaving step might.
    struct Unresponsive: HTTPTransport {
        func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
            await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            throw CancellationError()
        }
    }

    /// A network that answers after `delay`.
    struct Slow: HTTPTransport {
        let delay: Duration
        func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
            try? await Task.sleep(for: delay)
            return HTTPTransportResponse(
                status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        }
    }

    static let agent = AgentsPageTests.agent(url: "https://api.example/me")

    static func setUp() async throws -> (Vault, SQLiteVaultStore, StoredAgent) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-worker-\(UUID())")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let store = try #require(vault.store as? SQLiteVaultStore)
        let saved = try #require(
            try await store.saveAgent(
                team: vault.team, name: "api", body: Data(agent.utf8), changedBy: "test", changedAt: 1,
                expectedVersion: nil))
        return (vault, store, saved)
    }

    static func enqueue(_ vault: Vault, _ store: SQLiteVaultStore, _ agent: StoredAgent) async throws -> StoredRun {
        let run = try vault.newRun(
            agent: agent.name, agentVersion: agent.version, startedBy: "test",
            request: Data(#"{"endpoint":null,"inputs":{},"timeout_seconds":60}"#.utf8), at: Date().timeIntervalSince1970
        )
        #expect(try await store.enqueueRun(run, maxQueuedPerTeam: 10))
        return run
    }

    /// A worker whose runs stop at `wallTime`, and which gives up on one `overdueGrace` later.
    static func worker(
        _ vault: Vault, _ store: SQLiteVaultStore, transport: any HTTPTransport, wallTime: Duration,
        overdueGrace: Duration = .seconds(60)
    ) -> RunWorker {
        var limits = RunLimits.defaults
        limits.wallTime = wallTime
        // A long lease: on a machine busy with other tests, a short one can run out under a live worker.
        var configuration = RunWorkerConfiguration(
            lease: .seconds(15), pollInterval: .milliseconds(100), limits: limits)
        configuration.overdueGrace = overdueGrace
        return RunWorker(
            root: vault, runs: store, agents: store, transport: transport,
            brokers: TeamBrokers(transport: transport), configuration: configuration)
    }

    static func waitForEnd(_ id: String, _ store: SQLiteVaultStore, team: String) async throws -> StoredRun {
        for _ in 0..<600 {
            if let run = try await store.run(id: id, team: team), run.status.isFinished { return run }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RunsAPITests.RunNeverEnded()
    }

    @Test func aRunThatWillNotStopIsFailedAndLetGo() async throws {
        let (vault, store, agent) = try await Self.setUp()
        let run = try await Self.enqueue(vault, store, agent)
        let worker = Self.worker(
            vault, store, transport: Unresponsive(), wallTime: .milliseconds(300), overdueGrace: .milliseconds(500))
        let working = Task { try await worker.run() }
        defer { working.cancel() }
        let ended = try await Self.waitForEnd(run.id, store, team: vault.team)
        #expect(ended.status == .failed && ended.failure == "timeout", "\(ended)")
        #expect(ended.reason?.contains("did not stop at its wall-time limit") == true, "\(ended.reason ?? "")")
        // The worker is free again: the next run is taken (and fails the same way).
        let next = try await Self.enqueue(vault, store, agent)
        #expect(try await Self.waitForEnd(next.id, store, team: vault.team).status == .failed)
    }

    @Test func aRunThatStopsAtItsLimitFailsAsATimeoutWithItsTrace() async throws {
        let (vault, store, agent) = try await Self.setUp()
        let run = try await Self.enqueue(vault, store, agent)
        let worker = Self.worker(vault, store, transport: Slow(delay: .seconds(5)), wallTime: .milliseconds(300))
        let working = Task { try await worker.run() }
        defer { working.cancel() }
        let ended = try await Self.waitForEnd(run.id, store, team: vault.team)
        #expect(ended.status == .failed && ended.failure == "timeout", "\(ended)")
        #expect(ended.reason == "the run took longer than its wall-time limit", "\(ended.reason ?? "")")
        // The full message, naming the flag, is in the sealed record.
        let record = String(decoding: try #require(try vault.openResult(of: ended)), as: UTF8.self)
        #expect(record.contains("--max-run-seconds"), "\(record)")
    }
}
