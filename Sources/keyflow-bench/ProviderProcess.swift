import Foundation
import Hummingbird
import NIOCore
import OAuthCore

/// The local provider (`LocalServer`: token endpoint and API) in a child process of its own
/// (`keyflow-bench --provider-child`), so that a suite measures Keyflow and not an event loop
/// it shares with the server it calls. The parent sets the latency and reads the counters over
/// two control endpoints on the same loopback port; the child exits when its stdin closes.
final class ProviderProcess {
    let baseURL: String
    private let process: Process
    private let stdin: Pipe
    private let control: AsyncHTTPTransport
    private let directory: URL

    /// The token endpoint's URL, for connections.
    var tokenURL: String { baseURL + "/token" }

    /// The child's process id (for its memory or a profile).
    var pid: Int32 { process.processIdentifier }

    private init(baseURL: String, process: Process, stdin: Pipe, directory: URL) {
        self.baseURL = baseURL
        self.process = process
        self.stdin = stdin
        self.directory = directory
        control = AsyncHTTPTransport(connectionsPerHost: 1)
    }

    /// Starts `keyflow-bench --provider-child` and returns once it listens.
    static func start() async throws -> ProviderProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-bench-provider-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("out")
        let err = directory.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EngineSuite.selfExecutable())
        process.arguments = ["--provider-child"]
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let line = try await ChildOutput.firstLine(of: out, process: process, timeout: 20)
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let base = object["base"] as? String
        else {
            process.terminate()
            throw Shell.Failure(description: "the provider child printed no address: \(line)")
        }
        return ProviderProcess(baseURL: base, process: process, stdin: stdin, directory: directory)
    }

    /// Zeroes the counters and sets the latency and whether the API checks the Bearer token.
    func reset(latency: LocalServer.Latency = .init(), checkBearer: Bool = false) async throws {
        let query =
            "token_ms=\(latency.token.wholeMilliseconds)&api_ms=\(latency.api.wholeMilliseconds)&check=\(checkBearer ? 1 : 0)"
        let response = try await control.send(
            HTTPTransportRequest(method: "POST", url: baseURL + "/control/reset?" + query), timeout: .seconds(10))
        guard response.status == 204 else {
            throw Shell.Failure(description: "provider reset: HTTP \(response.status)")
        }
    }

    /// The counters since the last reset, and the access token the token endpoint last issued.
    func counts() async throws -> (counts: LocalServer.Counts, token: String) {
        let response = try await control.send(
            HTTPTransportRequest(method: "GET", url: baseURL + "/control/counts"), timeout: .seconds(10))
        guard response.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let token = object["token"] as? String
        else {
            throw Shell.Failure(description: "provider counts: HTTP \(response.status)")
        }
        let number = { (key: String) in (object[key] as? NSNumber)?.intValue ?? -1 }
        return (
            LocalServer.Counts(
                apiRequests: number("api"), refreshes: number("refreshes"), rejected: number("rejected"),
                maxInFlight: number("max_in_flight")),
            token
        )
    }

    /// Closes the child's stdin (it exits) and waits for it.
    func stop() async {
        try? stdin.fileHandleForWriting.close()
        try? await control.shutdown()
        for _ in 0..<200 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - The child

    /// `keyflow-bench --provider-child`: serves until stdin closes; prints `{"base":URL}` first.
    static func child() async throws {
        let server = try await LocalServer.start(control: true)
        FileHandle.standardOutput.write(Data((#"{"base":"\#(server.baseURL)"}"# + "\n").utf8))
        // The parent keeps our stdin open while it needs us; EOF (also when it died) ends us.
        let watcher = Thread {
            _ = FileHandle.standardInput.readDataToEndOfFile()
            exit(0)
        }
        watcher.start()
        while true { try await Task.sleep(for: .seconds(3_600)) }
    }

    /// The control endpoints a child adds to its router.
    static func addControl(to router: Router<BasicRequestContext>, _ shared: LocalServerShared) {
        router.post("/control/reset") { request, _ -> Response in
            guard let server = shared.server.withLock({ $0 }) else { return LocalServer.json(503, "{}") }
            let query = request.uri.queryParameters
            let number = { (key: String) in Int(query.get(key) ?? "") ?? 0 }
            server.reset(
                latency: .init(
                    token: .milliseconds(number("token_ms")), api: .milliseconds(number("api_ms"))),
                checkBearer: query.get("check") == "1")
            return Response(status: .noContent)
        }
        router.get("/control/counts") { _, _ -> Response in
            guard let server = shared.server.withLock({ $0 }) else { return LocalServer.json(503, "{}") }
            let counts = server.counts
            return LocalServer.json(
                200,
                #"{"api":\#(counts.apiRequests),"refreshes":\#(counts.refreshes),"rejected":\#(counts.rejected),"max_in_flight":\#(counts.maxInFlight),"token":"\#(server.currentToken)"}"#
            )
        }
    }
}

/// Reads what a child process prints into a file.
enum ChildOutput {
    /// The first line `process` writes to `file`, waiting up to `timeout` seconds for it.
    static func firstLine(of file: URL, process: Process, timeout: Double) async throws -> String {
        let deadline = Measure.now() + timeout
        while Measure.now() < deadline {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if let newline = text.firstIndex(of: "\n") { return String(text[..<newline]) }
            guard process.isRunning else {
                throw Shell.Failure(description: "\(process.executableURL?.lastPathComponent ?? "child") exited early")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.terminate()
        throw Shell.Failure(description: "\(process.executableURL?.lastPathComponent ?? "child") did not start")
    }
}

extension Duration {
    /// Whole milliseconds.
    fileprivate var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
