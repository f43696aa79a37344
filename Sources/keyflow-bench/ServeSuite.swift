import Accounts
import Foundation
import Hummingbird
import Logging
import OAuthCore
import Runtime
import Server
import ServiceLifecycle
import Vault

/// `serve`: a real `keyflow serve` router on a loopback port runs 1,000 agents at once through
/// `POST /api/v1/agents/NAME/run`, all using one connection whose token has just expired. The
/// server keeps one token broker per team, so every run shares its cache and its single
/// refresh: the provider must see exactly one refresh. The agent is `e2e`'s (three chained
/// APICalls), and the provider has `refresh-storm`'s simulated latency. Then the real
/// `keyflow serve` process under wrk and 1,000 runs in flight (`ServeLoad`).
enum ServeSuite {
    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let router = try await routerRows(scale)
        return router + (try await ServeLoad.run(scale))
    }

    /// The refresh rows: the server's router in this process, 1,000 runs on an expired token.
    static func routerRows(_ scale: Scale) async throws -> [ResultRow] {
        let provider = try await LocalServer.start()
        let home = try await BenchHome(server: provider)
        defer { home.remove() }
        let agents = scale.smoke ? 50 : 1_000
        // What keyflow serve sends to the provider with, and what the callers send to it with:
        // one connection per request in flight, so that neither pool queues them.
        let outbound = AsyncHTTPTransport(connectionsPerHost: agents)
        let callers = AsyncHTTPTransport(maxResponseBytes: 1 << 20, connectionsPerHost: agents)
        var limits = RunLimits.defaults
        limits.maxConcurrentRunsPerTeam = agents
        // Every run is queued and taken by the in-process worker, which runs them all at once.
        let server = try await Listener.start(
            try KeyflowServer.node(
                vault: home.vault, accounts: try home.vault.accounts,
                flows: FlowsRegistry(transport: outbound, publicURL: .default),
                binding: .init(host: "127.0.0.1", port: 0), runLimits: limits,
                worker: RunWorkerConfiguration(concurrency: agents), maxQueuedRuns: agents))

        let json = [("Content-Type", "application/json")]
        let saved = try await callers.send(
            HTTPTransportRequest(
                method: "PUT", url: server.baseURL + "/api/v1/agents/bench", headers: json,
                body: Array(E2ESuite.agentText(server: provider, connection: home.bearerID).utf8)),
            timeout: .seconds(30))
        guard saved.status == 201 || saved.status == 200 else {
            throw Shell.Failure(description: "saving the agent: HTTP \(saved.status)")
        }

        var walls: [Double] = []
        var refreshes: [Int] = []
        var failed = 0
        var rejected = 0
        for run in 0...scale.runs {
            try await home.expireBearer()
            provider.reset(latency: RefreshStormSuite.latency, checkBearer: true)
            let start = Measure.now()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<agents {
                    group.addTask {
                        try await callers.send(
                            HTTPTransportRequest(
                                method: "POST", url: server.baseURL + "/api/v1/agents/bench/run",
                                headers: json, body: Array("{}".utf8)), timeout: .seconds(60)
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let wall = Measure.now() - start
            if run > 0 {  // run 0 is the warm-up (it opens the connections)
                walls.append(wall)
                refreshes.append(provider.counts.refreshes)
                failed += statuses.filter { $0 != 200 }.count
                rejected += provider.counts.rejected
            }
        }
        await server.stop()
        try await callers.shutdown()
        try await outbound.shutdown()
        await provider.stop()

        let wall = Measure.median(walls)
        let notes = [
            failed == 0 ? nil : "\(failed) runs did not answer 200",
            rejected == 0 ? nil : "\(rejected) API requests were sent with a stale token",
        ].compactMap { $0 }
        return [
            ResultRow(
                suite: "serve", name: "refresh requests for \(agents) agent runs", value: Double(refreshes.max() ?? -1),
                unit: "refreshes", comparison: "runs: \(refreshes.map(String.init).joined(separator: ", "))",
                target: "exactly 1",
                met: refreshes.allSatisfy { $0 == 1 } && failed == 0 && rejected == 0,
                note: notes.isEmpty ? nil : notes.joined(separator: "; ")),
            ResultRow(
                suite: "serve", name: "wall time, \(agents) agent runs", value: wall * 1e3, unit: "ms",
                comparison: "\(Report.format(Double(agents) / wall)) runs/s, 3 APICalls each",
                note: "token endpoint +50 ms, API +20 ms of simulated provider latency"),
        ]
    }

    /// The router of `keyflow serve`, listening on a free loopback port. Its listen backlog is
    /// raised from Hummingbird's 256 so that 1,000 connections opened at once are all accepted
    /// (with 256, the kernel reset some of them before the server saw them).
    struct Listener {
        let baseURL: String
        let group: ServiceGroup
        let task: Task<Void, any Error>

        static func start(_ node: KeyflowNode) async throws -> Listener {
            var logger = Logger(label: "keyflow-bench.serve")
            logger.logLevel = .critical
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(
                router: node.router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "keyflow", backlog: 2048),
                onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [app] + node.services, logger: logger))
            let task = Task { try await group.run() }
            var port = 0
            for await value in ports { port = value; break }
            return Listener(baseURL: "http://127.0.0.1:\(port)", group: group, task: task)
        }

        func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
    }
}
