import Foundation
import OAuthCore
import Runtime
import Vault

/// `serve`, the process rows: the real `keyflow serve` binary (next to this one) with a user
/// and their API token, as a deployed team has, loaded with wrk on
/// `POST /api/v1/agents/NAME/run` of an agent with one APICall; next to the same agent run by
/// the executor in this process at the same concurrency. Then its RSS while 1,000 runs are in
/// flight at once. The provider is a child process (`ProviderProcess`), so that neither the
/// server nor this process shares an event loop with it.
enum ServeLoad {
    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let keyflow = URL(fileURLWithPath: EngineSuite.selfExecutable()).deletingLastPathComponent()
            .appendingPathComponent("keyflow").path
        guard FileManager.default.isExecutableFile(atPath: keyflow) else {
            let note = "skipped: \(keyflow) not built (swift build -c release --product keyflow)"
            return [
                ResultRow(suite: "serve", name: "keyflow serve, POST …/run", value: .nan, unit: "runs/s", note: note),
                ResultRow(suite: "serve", name: "keyflow serve, RSS", value: .nan, unit: "MiB", note: note),
            ]
        }
        let provider = try await ProviderProcess.start()
        let home = try await BenchHome(
            base: provider.baseURL, tokenURL: provider.tokenURL, accessToken: try await provider.counts().token,
            team: "bench")
        defer { home.remove() }
        // A user of team "bench" and their API token, as `keyflow users add` prints it.
        let token =
            try Shell.output(keyflow, ["users", "add", "bench", "--team", "bench"], environment: home.environment)
            .split(separator: "\n").first.map(String.init) ?? ""
        let inFlight = scale.smoke ? 50 : 1_000
        let server = try await ServeProcess.start(
            keyflow, home: home, limit: inFlight,
            allow: "127.0.0.1/32")
        var rows: [ResultRow] = []
        do {
            rows = try await measure(
                scale, server: server, provider: provider, home: home, token: token, inFlight: inFlight)
        } catch {
            await server.stop()
            await provider.stop()
            throw error
        }
        await server.stop()
        await provider.stop()
        return rows
    }

    static func measure(
        _ scale: Scale, server: ServeProcess, provider: ProviderProcess, home: BenchHome, token: String, inFlight: Int
    ) async throws -> [ResultRow] {
        let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")]
        let callers = AsyncHTTPTransport(maxResponseBytes: 1 << 20, connectionsPerHost: inFlight)
        defer { Task { try? await callers.shutdown() } }
        let text = agentText(base: provider.baseURL, connection: home.bearerID)
        let saved = try await callers.send(
            HTTPTransportRequest(
                method: "PUT", url: server.baseURL + "/api/v1/agents/bench", headers: headers, body: Array(text.utf8)),
            timeout: .seconds(30))
        guard saved.status == 201 || saved.status == 200 else {
            throw Shell.Failure(description: "saving the agent: HTTP \(saved.status)")
        }
        let runURL = server.baseURL + "/api/v1/agents/bench/run"
        let post = HTTPTransportRequest(method: "POST", url: runURL, headers: headers, body: Array("{}".utf8))
        try await provider.reset(checkBearer: true)
        // What a client gets: the run's output once it has finished (200), not a 202.
        let first = try await callers.send(post, timeout: .seconds(60))
        guard first.status == 200, String(decoding: first.body, as: UTF8.self).contains(#""ok":true"#) else {
            throw Shell.Failure(description: "POST …/run: HTTP \(first.status)")
        }

        // RSS: idle, then with `inFlight` runs held by the API's latency at once.
        try await Task.sleep(for: .milliseconds(300))
        let idle = ProcessMemory.kilobytes("VmRSS", pid: server.pid)
        let hold: Duration = scale.smoke ? .milliseconds(300) : .seconds(3)
        try await provider.reset(latency: .init(api: hold), checkBearer: true)
        let pid = server.pid
        let sampling = Task {
            var peak = 0.0
            while !Task.isCancelled {
                peak = max(peak, ProcessMemory.kilobytes("VmRSS", pid: pid))
                try? await Task.sleep(for: .milliseconds(20))
            }
            return peak
        }
        let burstStart = Measure.now()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<inFlight {
                group.addTask { try await callers.send(post, timeout: .seconds(120)).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let burst = Measure.now() - burstStart
        sampling.cancel()
        let sampled = await sampling.value
        let peak = max(sampled, ProcessMemory.kilobytes("VmHWM", pid: server.pid))
        let overlap = try await provider.counts().counts.maxInFlight
        let burstFailed = statuses.filter { $0 != 200 }.count

        // Throughput: wrk against the server, and the same agent in this process, alternating.
        try await provider.reset(checkBearer: true)
        let connections = scale.smoke ? 4 : 64
        let wrk = Shell.which("wrk")
        var served: [WrkResult] = []
        var inProcess: [Load.Outcome] = []
        let inProcessRun = try await InProcessAgent.make(text: text, home: home, connectionsPerHost: inFlight)
        let rounds = scale.smoke ? 1 : 3
        for round in 0...rounds {
            let warmUp = round == 0
            if let wrk, !(warmUp && scale.smoke) {
                let result = try Wrk.run(
                    wrk, url: runURL, token: token, threads: scale.smoke ? 1 : 2, connections: connections,
                    seconds: warmUp ? 2 : (scale.smoke ? 1 : 10))
                if !warmUp { served.append(result) }
            }
            let total = scale.smoke ? connections * 2 : connections * (warmUp ? 4 : 40)
            let outcome = try await Load.drive(total: total, concurrency: connections, inProcessRun.body)
            if !warmUp { inProcess.append(outcome) }
        }
        let counts = try await provider.counts().counts
        await inProcessRun.shutdown()

        var rows: [ResultRow] = []
        let limits =
            "serve started with --max-concurrent-runs, --worker-concurrency, --max-queued-runs and --connections-per-host \(inFlight) (defaults 4, 4, 100, 8)"
        let local = Load.Outcome.median(inProcess)
        if wrk == nil {
            rows.append(
                ResultRow(
                    suite: "serve", name: "POST …/run, 1 APICall, \(connections) connections", value: .nan,
                    unit: "runs/s", note: "skipped: wrk not installed (apt-get install wrk)"))
        } else {
            let perSecond = Measure.median(served.map(\.okPerSecond))
            let errors = served.map(\.errors).reduce(0, +)
            let notes = [
                "wrk -t\(scale.smoke ? 1 : 2) -c\(connections) -d\(scale.smoke ? 1 : 10)s (median of \(served.count)) with a user's API token; "
                    + "the POST answers 200 with the output once the run has finished (queued in the store, taken by the server's worker)",
                "p50/p99 \(Report.format(Measure.median(served.map(\.p50)) * 1e3))/\(Report.format(Measure.median(served.map(\.p99)) * 1e3)) ms "
                    + "vs in-process \(Report.format(local.p50 * 1e3))/\(Report.format(local.p99 * 1e3)) ms",
                errors == 0 ? nil : "\(errors) requests failed or answered ≥ 400 (not counted)",
                counts.rejected == 0 ? nil : "\(counts.rejected) API requests with a stale token",
                limits,
            ].compactMap { $0 }
            rows.append(
                ResultRow(
                    suite: "serve", name: "POST …/run, 1 APICall, \(connections) connections", value: perSecond,
                    unit: "runs/s",
                    comparison: "in-process executor \(Report.format(local.perSecond)) runs/s",
                    ratio: perSecond / local.perSecond, note: notes.joined(separator: "; ")))
        }
        let perRun = (peak - idle) / Double(inFlight)
        rows.append(
            ResultRow(
                suite: "serve", name: "RSS, \(inFlight) runs in flight", value: peak / 1_024, unit: "MiB",
                comparison: "idle \(Report.format(idle / 1_024)) MiB", ratio: peak / idle,
                note: [
                    "\(Report.format(perRun)) KiB per run over idle; the provider held \(overlap) requests at once "
                        + "(API +\(scale.smoke ? "300 ms" : "3 s") each); all answered in \(Report.format(burst)) s",
                    burstFailed == 0 ? nil : "\(burstFailed) runs did not answer 200",
                    limits,
                ].compactMap { $0 }.joined(separator: "; ")))
        return rows
    }

    /// Endpoint → one APICall on the connection → output.
    static func agentText(base: String, connection: String) -> String {
        let components = [
            #"{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true}]}"#,
            #"{"id":"A","name":"APICall","title":"serve","data":{"method":"GET","url":"\#(base)/api/serve","oauth_con_id":"\#(connection)"},"inputs":[{"name":"trigger","index":0,"optional":true}],"outputs":[{"name":"Response","index":0,"default":true},{"name":"Headers","index":1,"default":true}]}"#,
            #"{"id":"O","name":"APIOutput","data":{"format":"minimal"},"inputs":[{"name":"r","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#,
        ]
        let links = [("E", 1, "A"), ("A", 0, "O")].map { source, index, target in
            #"{"sourceId":"\#(source)","sourceIndex":\#(index),"targetId":"\#(target)","targetIndex":0}"#
        }
        return
            #"{"id":"serve","name":"Serve bench","components":[\#(components.joined(separator: ","))],"connections":[\#(links.joined(separator: ","))]}"#
    }
}

/// The serve agent's work done by the executor in this process: the same vault, broker and
/// outbound address policy and connection limit as the server's, without HTTP in front or the run queue.
struct InProcessAgent {
    let body: @Sendable () async throws -> Void
    let transport: AsyncHTTPTransport

    static func make(text: String, home: BenchHome, connectionsPerHost: Int) async throws -> InProcessAgent {
        let transport = AsyncHTTPTransport(
            connectionsPerHost: connectionsPerHost,
            addressPolicy: .publicOnly(allowing: try AddressPolicy.networks(flags: ["127.0.0.1/32"], environment: nil)))
        let agent = try AgentLoader.parse(Array(text.utf8), source: "serve.smyth")
        let session = try await AgentSession.make(
            agent: agent, broker: TokenBroker(vault: home.vault, transport: transport), transport: transport, login: nil
        )
        let executor = Executor(agent: session.prepared)
        let environment = session.environment
        return InProcessAgent(
            body: {
                let result = try await executor.run(endpoint: nil, inputs: JSONObject(), context: environment)
                guard result.output["r"]?["ok"] == .bool(true) else {
                    throw Shell.Failure(description: "unexpected serve agent result")
                }
            }, transport: transport)
    }

    func shutdown() async { try? await transport.shutdown() }
}

/// `keyflow serve` as a child process on a free loopback port, with its output in files.
struct ServeProcess {
    let baseURL: String
    let process: Process
    let directory: URL

    var pid: Int32 { process.processIdentifier }

    /// Starts the server over `home` with its run limits raised to `limit`, and waits for /healthz.
    static func start(_ keyflow: String, home: BenchHome, limit: Int, allow: String) async throws -> ServeProcess {
        let port = try FreePort.loopback()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: keyflow)
        process.arguments = [
            "serve", "--port", "\(port)", "--allow-network", allow, "--max-concurrent-runs", "\(limit)",
            "--worker-concurrency", "\(limit)", "--max-queued-runs", "\(limit)", "--connections-per-host", "\(limit)",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(home.environment) { $1 }
        let (_, err) = try Shell.redirect(process, into: home.directory, named: "serve.out", "serve.err")
        try process.run()
        let server = ServeProcess(baseURL: "http://127.0.0.1:\(port)", process: process, directory: home.directory)
        let probe = AsyncHTTPTransport(connectionsPerHost: 1)
        defer { Task { try? await probe.shutdown() } }
        let deadline = Measure.now() + 60
        while Measure.now() < deadline {
            guard process.isRunning else {
                let log = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
                throw Shell.Failure(description: "keyflow serve exited: \(log.suffix(400))")
            }
            if let response = try? await probe.send(
                HTTPTransportRequest(method: "GET", url: server.baseURL + "/healthz"), timeout: .seconds(2)),
                response.status == 200
            {
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw Shell.Failure(description: "keyflow serve did not answer /healthz within 60 s")
    }

    /// SIGTERM (a graceful shutdown), then SIGKILL after 10 s.
    func stop() async {
        process.terminate()
        for _ in 0..<1_000 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// What one wrk run measured.
struct WrkResult {
    var okPerSecond: Double
    var errors: Int
    var p50: Double
    var p99: Double
}

/// wrk with a Lua script that POSTs the run request with the token (from the environment,
/// never a file) and prints its summary as JSON, errors apart from the successes.
enum Wrk {
    static let script = #"""
        wrk.method = "POST"
        wrk.body = "{}"
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEYFLOW_BENCH_TOKEN")
        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format(
            '{"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\n',
            summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
            math.floor(latency:percentile(50)), math.floor(latency:percentile(99))))
        end
        """#

    static func run(_ wrk: String, url: String, token: String, threads: Int, connections: Int, seconds: Int) throws
        -> WrkResult
    {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-bench-\(UUID().uuidString).lua")
        try Data(script.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try Shell.output(
            wrk,
            [
                "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--timeout", "60s", "-s", file.path, url,
            ], environment: ["KEYFLOW_BENCH_TOKEN": token])
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw Shell.Failure(description: "wrk printed no summary: \(output.suffix(300))")
        }
        let number = { (key: String) in (object[key] as? NSNumber)?.doubleValue ?? 0 }
        // wrk's status errors are responses ≥ 400; socket errors are the others that failed.
        let errors = ["status", "connect", "read", "write", "timeout"].map { Int(number($0)) }.reduce(0, +)
        let ok = number("requests") - number("status")
        let duration = number("duration_us") / 1e6
        return WrkResult(
            okPerSecond: duration > 0 ? ok / duration : .nan, errors: errors, p50: number("p50_us") / 1e6,
            p99: number("p99_us") / 1e6)
    }
}

/// A process's memory fields from /proc/PID/status.
enum ProcessMemory {
    /// The field (VmRSS, VmHWM) in KiB; NaN when unreadable.
    static func kilobytes(_ field: String, pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
        else { return .nan }
        return Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan
    }
}

/// A loopback port nothing listens on (the kernel's pick, released for the server to take).
enum FreePort {
    static func loopback() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Shell.Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard ok else { throw Shell.Failure(description: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
