import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OAuthCore
import Runtime
import Vault

/// `e2e`: runs per second and p50/p99 latency of an agent of three chained APICalls using a
/// vault connection, against the local API, at concurrency 1 and 64; next to the limit: the
/// same three requests sent one after another with plain AsyncHTTPClient and a fixed header.
/// The same runs with the vault's events paused (no audit trail, no health) measure what
/// recording every credential use costs; the three alternate, so drift affects all alike.
enum E2ESuite {
    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let server = try await LocalServer.start()
        let home = try await BenchHome(server: server)
        defer { home.remove() }
        let transport = AsyncHTTPTransport()
        // The limit's client: AsyncHTTPClient with the configuration Keyflow's transport uses.
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)

        let agent = try AgentLoader.parse(
            Array(agentText(server: server, connection: home.bearerID).utf8), source: "e2e.smyth")
        guard AgentValidator.validate(agent).isEmpty else {
            throw Shell.Failure(description: "the e2e agent does not validate")
        }
        let session = try await AgentSession.make(
            agent: agent, broker: TokenBroker(vault: home.vault, transport: transport), transport: transport, login: nil
        )
        let executor = Executor(agent: session.prepared)
        let environment = session.environment
        let token = server.currentToken

        let keyflowRun: @Sendable () async throws -> Void = {
            let result = try await executor.run(endpoint: nil, inputs: JSONObject(), context: environment)
            guard result.output["c"]?["ok"] == .bool(true) else {
                throw Shell.Failure(description: "unexpected e2e result")
            }
        }
        let limitRun: @Sendable () async throws -> Void = {
            for name in ["one", "two", "three"] {
                var request = HTTPClientRequest(url: server.baseURL + "/api/\(name)")
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                let response = try await client.execute(request, timeout: .seconds(30))
                var body = try await response.body.collect(upTo: 1 << 20)
                guard response.status == .ok, body.readableBytes > 0 else {
                    throw Shell.Failure(description: "limit: HTTP \(response.status)")
                }
                blackHole(body.readBytes(length: body.readableBytes))
            }
        }

        var rows: [ResultRow] = []
        for concurrency in [1, 64] {
            let total = scale.smoke ? concurrency * 2 : (concurrency == 1 ? 1_000 : 6_400)
            // Alternate the two so that drift of the machine affects both alike.
            var keyflow: [Load.Outcome] = []
            var unaudited: [Load.Outcome] = []
            var limit: [Load.Outcome] = []
            for run in 0...scale.runs {
                home.vault.events.pause(false)
                let k = try await Load.drive(total: total, concurrency: concurrency, keyflowRun)
                await home.vault.events.flush()
                home.vault.events.pause(true)
                let u = try await Load.drive(total: total, concurrency: concurrency, keyflowRun)
                home.vault.events.pause(false)
                let l = try await Load.drive(total: total, concurrency: concurrency, limitRun)
                if run > 0 {
                    keyflow.append(k)
                    unaudited.append(u)
                    limit.append(l)
                }
            }
            let k = Load.Outcome.median(keyflow)
            let u = Load.Outcome.median(unaudited)
            let l = Load.Outcome.median(limit)
            let share = k.perSecond / l.perSecond
            rows.append(
                ResultRow(
                    suite: "e2e", name: "3 APICalls, concurrency \(concurrency)", value: k.perSecond, unit: "runs/s",
                    comparison: "plain AsyncHTTPClient \(Report.format(l.perSecond)) runs/s (limit)", ratio: share,
                    target: concurrency == 64 ? "≥ 0.85 of the limit" : nil,
                    met: concurrency == 64 ? share >= 0.85 : nil,
                    note:
                        "p50/p99 \(Report.format(k.p50 * 1e3))/\(Report.format(k.p99 * 1e3)) ms vs limit \(Report.format(l.p50 * 1e3))/\(Report.format(l.p99 * 1e3)) ms"
                ))
            rows.append(
                ResultRow(
                    suite: "e2e", name: "audit on/off, concurrency \(concurrency)", value: k.perSecond,
                    unit: "runs/s",
                    comparison: "events paused \(Report.format(u.perSecond)) runs/s", ratio: k.perSecond / u.perSecond,
                    note:
                        "audit trail and health record 3 uses per run; p50 \(Report.format(k.p50 * 1e3)) vs \(Report.format(u.p50 * 1e3)) ms"
                ))
        }
        if server.counts.rejected > 0 || server.counts.refreshes > 0 {
            rows.append(
                ResultRow(
                    suite: "e2e", name: "unexpected", value: Double(server.counts.rejected), unit: "401s",
                    note: "\(server.counts.refreshes) refreshes"))
        }
        try await client.shutdown()
        try await transport.shutdown()
        await server.stop()
        return rows
    }

    /// Endpoint → three APICalls in a chain (each waits for the previous response) → output.
    static func agentText(server: LocalServer, connection: String) -> String {
        let call = { (id: String, name: String) in
            #"{"id":"\#(id)","name":"APICall","title":"\#(name)","data":{"method":"GET","url":"\#(server.baseURL)/api/\#(name)","oauth_con_id":"\#(connection)"},"inputs":[{"name":"trigger","index":0,"optional":true}],"outputs":[{"name":"Response","index":0,"default":true},{"name":"Headers","index":1,"default":true}]}"#
        }
        let components = [
            #"{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true}]}"#,
            call("A", "one"), call("B", "two"), call("C", "three"),
            #"{"id":"O","name":"APIOutput","data":{"format":"minimal"},"inputs":[{"name":"c","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#,
        ]
        let links = [("E", 1, "A"), ("A", 0, "B"), ("B", 0, "C"), ("C", 0, "O")].map { source, index, target in
            #"{"sourceId":"\#(source)","sourceIndex":\#(index),"targetId":"\#(target)","targetIndex":0}"#
        }
        return
            #"{"id":"e2e","name":"E2E bench","components":[\#(components.joined(separator: ","))],"connections":[\#(links.joined(separator: ","))]}"#
    }
}

/// Drives `total` calls of a body with `concurrency` of them in flight at a time.
enum Load {
    struct Outcome {
        var perSecond: Double
        var p50: Double
        var p99: Double

        static func median(_ outcomes: [Outcome]) -> Outcome {
            Outcome(
                perSecond: Measure.median(outcomes.map(\.perSecond)), p50: Measure.median(outcomes.map(\.p50)),
                p99: Measure.median(outcomes.map(\.p99)))
        }
    }

    static func drive(total: Int, concurrency: Int, _ body: @escaping @Sendable () async throws -> Void) async throws
        -> Outcome
    {
        let start = Measure.now()
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<concurrency {
                let share = total / concurrency + (worker < total % concurrency ? 1 : 0)
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(share)
                    for _ in 0..<share {
                        let began = Measure.now()
                        try await body()
                        latencies.append(Measure.now() - began)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
        let elapsed = Measure.now() - start
        return Outcome(
            perSecond: Double(total) / elapsed, p50: Measure.percentile(latencies, 50),
            p99: Measure.percentile(latencies, 99))
    }
}
