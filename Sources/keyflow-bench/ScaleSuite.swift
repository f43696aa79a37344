import Foundation
import OAuthCore
import PostgresStore
import Runtime
import Synchronization
import Vault

/// `scale`: runs per second with 1, 2 and 4 `keyflow worker` processes (each `--concurrency 4`)
/// on one PostgreSQL (a throwaway cluster from `scripts/dev-postgres`), for an agent whose one
/// APICall (Bearer, from the vault) goes to a local API that answers after 20 ms. One worker is
/// bound by that latency: 4 runs in flight ≈ 200 runs/s at most. The runs are queued straight
/// into the store in one burst, and the clock stops when the last one has ended.
enum ScaleSuite {
    static let workerCounts = [1, 2, 4]
    static let concurrency = 4
    static let apiLatency = Duration.milliseconds(20)

    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let keyflow = URL(fileURLWithPath: EngineSuite.selfExecutable()).deletingLastPathComponent()
            .appendingPathComponent("keyflow").path
        guard FileManager.default.isExecutableFile(atPath: keyflow) else {
            return [skipped("\(keyflow) not built (swift build -c release --product keyflow)")]
        }
        guard FileManager.default.isExecutableFile(atPath: "scripts/dev-postgres") else {
            return [skipped("run from the repository's root: it starts PostgreSQL with scripts/dev-postgres")]
        }
        let cluster = try ThrowawayPostgres()
        defer { cluster.stop() }
        let server = try await LocalServer.start()
        server.reset(latency: .init(api: apiLatency))
        guard case .postgres(let url) = try DatabaseURL(parsing: cluster.databaseURL) else {
            throw Shell.Failure(description: "scripts/dev-postgres printed no PostgreSQL URL")
        }
        let store = try await PostgresVaultStore.open(url)
        defer { store.close() }
        let masterKey = Data(SecureRandom.bytes(32)).base64EncodedString()
        let home = try await BenchHome(server: server, store: store, team: "bench", masterKey: masterKey)
        defer { home.remove() }
        let agent =
            #"{"id":"scale","name":"Scale bench","components":[{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true}]},{"id":"A","name":"APICall","title":"one","data":{"method":"GET","url":"\#(server.baseURL)/api/scale","oauth_con_id":"\#(home.bearerID)"},"inputs":[{"name":"trigger","index":0,"optional":true}],"outputs":[{"name":"Response","index":0,"default":true}]},{"id":"O","name":"APIOutput","data":{"format":"minimal"},"inputs":[{"name":"c","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}],"connections":[{"sourceId":"E","sourceIndex":1,"targetId":"A","targetIndex":0},{"sourceId":"A","sourceIndex":0,"targetId":"O","targetIndex":0}]}"#
        guard
            let saved = try await store.saveAgent(
                team: "bench", name: "scale", body: Data(agent.utf8), changedBy: "bench",
                changedAt: Date().timeIntervalSince1970, expectedVersion: nil)
        else { throw Shell.Failure(description: "could not save the agent") }
        store.watchRunEvents()

        var environment = home.environment
        environment["KEYFLOW_DATABASE_URL"] = cluster.databaseURL
        var measured: [(workers: Int, perSecond: Double, busy: Double, failed: Int)] = []
        for workers in workerCounts {
            let processes = try (0..<workers).map { _ in
                try Background.start(
                    keyflow,
                    [
                        "worker", "--concurrency", "\(concurrency)", "--max-concurrent-runs", "64",
                        "--allow-network", "127.0.0.1/32",
                    ], environment: environment)
            }
            defer { for process in processes { process.stop() } }
            let batch = scale.smoke ? 8 : 200 * workers
            // The warm-up also waits for every worker to be up and listening.
            _ = try await round(of: batch, store: store, vault: home.vault, version: saved.version)
            var rates: [Double] = []
            var busy: [Double] = []
            var failed = 0
            for _ in 0..<(scale.smoke ? 1 : 3) {
                let before = CPUTimes.read()
                let outcome = try await round(of: batch, store: store, vault: home.vault, version: saved.version)
                busy.append(CPUTimes.read().busyShare(since: before))
                rates.append(Double(batch) / outcome.seconds)
                failed += outcome.failed
            }
            measured.append((workers, Measure.median(rates), Measure.median(busy), failed))
        }
        await server.stop()

        let one = measured.first?.perSecond ?? .nan
        var rows: [ResultRow] = []
        for entry in measured {
            let ceiling = Double(entry.workers * concurrency) / SafeNumbers.seconds(of: apiLatency)
            rows.append(
                ResultRow(
                    suite: "scale", name: "\(entry.workers) worker\(entry.workers == 1 ? "" : "s") × --concurrency 4",
                    value: entry.perSecond, unit: "runs/s",
                    comparison:
                        "latency bound \(Report.format(ceiling)) runs/s; CPU busy \(Int((entry.busy * 100).rounded())) % of \(ProcessInfo.processInfo.activeProcessorCount) cores",
                    ratio: entry.perSecond / one, target: entry.workers == 2 ? "≥ 1.7× one worker" : nil,
                    met: entry.workers == 2 ? entry.perSecond / one >= 1.7 : nil,
                    note: entry.failed == 0 ? nil : "\(entry.failed) runs did not succeed"))
        }
        return rows
    }

    static func skipped(_ why: String) -> ResultRow {
        ResultRow(suite: "scale", name: "runs per second", value: .nan, unit: "runs/s", note: "skipped: \(why)")
    }

    /// Queues `count` runs at once and waits until every one has ended; the clock runs from the
    /// first enqueue to the last ending.
    static func round(of count: Int, store: PostgresVaultStore, vault: Vault, version: Int64) async throws
        -> (seconds: Double, failed: Int)
    {
        _ = try await store.purgeRuns(finishedBefore: Date().timeIntervalSince1970 + 1)
        let request = Data(#"{"endpoint":null,"inputs":{},"timeout_seconds":60}"#.utf8)
        // NOTIFY says when each run ends; a look at the store every second covers a lost one.
        let ended = Mutex<Set<String>>([])
        let events = store.runEvents.stream()
        let listener = Task {
            for await event in events {
                if case .finished(let id) = event { _ = ended.withLock { $0.insert(id) } }
            }
        }
        defer { listener.cancel() }
        let start = Measure.now()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<count {
                group.addTask {
                    let run = try vault.newRun(
                        agent: "scale", agentVersion: version, startedBy: "bench", request: request,
                        at: Date().timeIntervalSince1970)
                    guard try await store.enqueueRun(run, maxQueuedPerTeam: 100_000) else {
                        throw Shell.Failure(description: "the queue refused a run")
                    }
                    return run.id
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        let deadline = Measure.now() + 300
        var lastLook = Measure.now()
        while ended.withLock({ $0.intersection(ids).count }) < ids.count {
            guard Measure.now() < deadline else { throw Shell.Failure(description: "some runs never ended") }
            if Measure.now() - lastLook > 1 {
                lastLook = Measure.now()
                let statuses = try await store.runStatuses(ids: Array(ids))
                let finished = statuses.filter { $0.value.isFinished }.map(\.key)
                ended.withLock { $0.formUnion(finished) }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let seconds = Measure.now() - start
        let statuses = try await store.runStatuses(ids: Array(ids))
        return (seconds, statuses.values.filter { $0 != .succeeded }.count)
    }
}

/// A PostgreSQL cluster of the benchmark's own, from `scripts/dev-postgres`, removed afterwards.
struct ThrowawayPostgres {
    let databaseURL: String
    let directory: String

    init() throws {
        let output = try Shell.output("/bin/bash", ["scripts/dev-postgres"])
        func value(_ name: String) throws -> String {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("export \(name)=") }) else {
                throw Shell.Failure(description: "scripts/dev-postgres printed no \(name)")
            }
            return String(line.dropFirst("export \(name)=".count)).trimmingCharacters(
                in: CharacterSet(charactersIn: "'"))
        }
        databaseURL = try value("KEYFLOW_DATABASE_URL")
        directory = try value("KEYFLOW_DEV_POSTGRES_DIR")
    }

    func stop() { _ = try? Shell.run("/bin/bash", ["scripts/dev-postgres", "stop", directory]) }
}

/// A process left running while the benchmark measures, its output thrown away.
struct Background {
    let process: Process

    static func start(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Background {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Background(process: process)
    }

    /// SIGTERM, then waits for it to end.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// The machine's CPU time from /proc/stat: how busy all cores were between two readings.
struct CPUTimes {
    var busy: Double = 0
    var total: Double = 0

    static func read() -> CPUTimes {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return CPUTimes() }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 5 else { return CPUTimes() }
        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        let total = fields.prefix(8).reduce(0, +)
        return CPUTimes(busy: total - fields[3] - fields[4], total: total)
    }

    func busyShare(since earlier: CPUTimes) -> Double {
        let total = self.total - earlier.total
        return total > 0 ? (busy - earlier.busy) / total : .nan
    }
}
