import Foundation
import OAuthCore
import PostgresStore
import TestSupport
import Vault

/// Two (or more) real `keyflow serve` processes on one PostgreSQL database, as behind a load
/// balancer whose public address is node B's: provider callbacks land on B wherever the login
/// started. Each node logs to a file of its own, printed when a test fails.
final class ServeNodes: @unchecked Sendable {
    let database: String
    let masterKey: String
    let token: String
    let ports: [Int]
    let directory: URL
    var processes: [Process] = []
    /// `keyflow worker` processes on the same database.
    var workers: [Process] = []
    let serveArguments: [String]
    let workerArguments: [String]
    let transport = AsyncHTTPTransport(maxResponseBytes: 1 << 20, connectionsPerHost: 256)

    var urls: [String] { ports.map { "http://127.0.0.1:\($0)" } }

    /// What each node is started with unless a test says otherwise.
    static let defaultServeArguments = [
        "--max-concurrent-runs", "400", "--max-queued-runs", "400", "--worker-concurrency", "32",
    ]

    /// Starts `count` nodes on `database` (a postgres:// URL with its password) with user `ada`
    /// of team `acme`, and `workers` `keyflow worker` processes.
    init(
        database: String, count: Int = 2, serveArguments: [String] = ServeNodes.defaultServeArguments,
        workers: Int = 0, workerArguments: [String] = []
    ) async throws {
        self.database = database
        self.serveArguments = serveArguments
        self.workerArguments = workerArguments
        masterKey = Data(SecureRandom.bytes(32)).base64EncodedString()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-nodes-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ports = try (0..<count).map { _ in try SilentListener().closeAndReturnPort() }
        let added = try KeyflowCLI.run(
            ["users", "add", "ada", "--team", "acme"], environment: Self.environment(directory, database, masterKey, 0))
        guard added.status == 0, let token = added.stdout.split(separator: "\n").first.map(String.init) else {
            throw TestStoreError("keyflow users add failed: \(added.stderr)")
        }
        self.token = token
        for index in 0..<count { try start(index) }
        for url in urls { try await waitUntilHealthy(url) }
        for index in 0..<workers { try startWorker(index) }
    }

    /// Starts `keyflow worker` number `index` (again, after it was killed).
    func startWorker(_ index: Int) throws {
        let process = try launch(
            ["worker"] + workerArguments, environment: Self.environment(directory, database, masterKey, 100 + index),
            log: "worker-\(index).log")
        if workers.count > index { workers[index] = process } else { workers.append(process) }
    }

    /// Waits until every worker has opened the store and said so in its log (a worker still
    /// starting on a busy machine would leave its share of a batch to the others).
    func waitForWorkers() async throws {
        for _ in 0..<300 {
            let started = (0..<workers.count).filter { index in
                let log =
                    (try? String(
                        contentsOf: directory.appendingPathComponent("worker-\(index).log"), encoding: .utf8)) ?? ""
                return log.contains("keyflow worker ")
            }
            if started.count == workers.count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestStoreError("the workers did not start: \(logs())")
    }

    /// Kills worker `index` with SIGKILL: no goodbye, no lease given back.
    func killWorker(_ index: Int) {
        kill(workers[index].processIdentifier, SIGKILL)
        workers[index].waitUntilExit()
    }

    static func environment(_ directory: URL, _ database: String, _ masterKey: String, _ index: Int) -> [String: String]
    {
        [
            "KEYFLOW_HOME": directory.appendingPathComponent("home-\(index)").path,
            "KEYFLOW_DATABASE_URL": database, "KEYFLOW_MASTER_KEY": masterKey,
            "KEYFLOW_ALLOW_NETWORK": "127.0.0.0/8",
        ]
    }

    /// Starts node `index` (again, after `stop`).
    func start(_ index: Int) throws {
        var environment = Self.environment(directory, database, masterKey, index)
        environment["KEYFLOW_PUBLIC_URL"] = urls[urls.count - 1]
        let process = try launch(
            ["serve", "--port", String(ports[index])] + serveArguments, environment: environment,
            log: "node-\(index).log")
        if processes.count > index { processes[index] = process } else { processes.append(process) }
    }

    /// Starts a `keyflow` process that writes to a log file of its own (never a pipe: a
    /// process that outlives the test would keep it open).
    func launch(_ arguments: [String], environment: [String: String], log name: String) throws -> Process {
        let process = Process()
        process.executableURL = KeyflowCLI.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = directory.appendingPathComponent(name)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitUntilHealthy(_ url: String) async throws {
        for _ in 0..<200 {
            if let response = try? await transport.send(
                HTTPTransportRequest(method: "GET", url: url + "/healthz"), timeout: .seconds(1)),
                response.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestStoreError("\(url) did not start: \(logs())")
    }

    /// What the nodes printed.
    func logs() -> String {
        let names = (0..<ports.count).map { "node-\($0)" } + (0..<workers.count).map { "worker-\($0)" }
        return names.map { name in
            let text = (try? String(contentsOf: directory.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
            return "\(name):\n\(text)"
        }.joined(separator: "\n")
    }

    /// A JSON API request with ada's token.
    func api(_ method: String, _ url: String, _ body: String? = nil) async throws -> HTTPTransportResponse {
        var headers = [("Authorization", "Bearer \(token)")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await transport.send(
            HTTPTransportRequest(method: method, url: url, headers: headers, body: body.map { Array($0.utf8) } ?? []),
            timeout: .seconds(60))
    }

    /// The vault as a third party sees it (same database, same master key).
    func vault() async throws -> (Vault, PostgresVaultStore) {
        guard case .postgres(let url) = try DatabaseURL(parsing: database) else { throw TestStoreError("not postgres") }
        let store = try await PostgresVaultStore.open(url)
        let home = KeyflowHome(
            directory: directory.appendingPathComponent("observer"), masterKeyFromEnvironment: masterKey)
        return (try await Vault.open(home: home, team: "acme", store: store).vault, store)
    }

    /// Stops every node (SIGTERM, then waits).
    func stop() async {
        for process in processes + workers where process.isRunning { process.terminate() }
        for process in processes + workers { process.waitUntilExit() }
        try? await transport.shutdown()
    }
}

/// A browser with a cookie jar of one session: signs in with an API token at `/signin`.
enum SignedInBrowser {
    /// The `kf_session` cookie after signing in at `url` with `token`.
    static func session(at url: String, token: String, transport: AsyncHTTPTransport) async throws -> String {
        let page = try await transport.send(
            HTTPTransportRequest(method: "GET", url: url + "/signin"), timeout: .seconds(10))
        let cookies = page.headers.filter { $0.0.lowercased() == "set-cookie" }.map {
            String($0.1.prefix { $0 != ";" })
        }
        let html = String(decoding: page.body, as: UTF8.self)
        guard let marker = html.range(of: "name=\"csrf\" value=\"") else {
            throw TestStoreError("no CSRF token on /signin")
        }
        let csrf = String(html[marker.upperBound...].prefix { $0 != "\"" })
        let signedIn = try await transport.send(
            HTTPTransportRequest(
                method: "POST", url: url + "/signin",
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookies.joined(separator: "; ")),
                ], body: Array("csrf=\(csrf)&token=\(token)".utf8)), timeout: .seconds(10))
        guard
            let session = signedIn.headers.first(where: {
                $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("kf_session=")
            })
        else { throw TestStoreError("signing in set no session cookie (HTTP \(signedIn.status))") }
        return String(session.1.prefix { $0 != ";" })
    }
}
