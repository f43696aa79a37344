import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing
import Vault

/// `keyflow serve` as a process, as a team would deploy it: an agent cannot take it down,
/// a team cannot run more than its share at once, and vault values never come back whole
/// in the run API.
@Suite(.serialized) struct ServeRunSafetyTests {
    /// A running `keyflow serve` with its own home and agents folder.
    final class Served: @unchecked Sendable {
        let process: Process
        let baseURL: String
        let transport = AsyncHTTPTransport()
        /// What the server runs with: its home, public URL and allowed networks.
        let environment: [String: String]
        var workers: [Process] = []

        init(agents: [String: String], keys: [String: String] = [:], arguments: [String] = []) async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "keyflow-serve-\(UUID().uuidString)")
            let agentsDirectory = directory.appendingPathComponent("agents")
            try FileManager.default.createDirectory(at: agentsDirectory, withIntermediateDirectories: true)
            for (name, text) in agents {
                try Data(text.utf8).write(to: agentsDirectory.appendingPathComponent("\(name).smyth"))
            }
            let port = try SilentListener().closeAndReturnPort()
            let home = KeyflowHome(directory: directory.appendingPathComponent("home"))
            let vault = try await Vault.open(home: home).vault
            for (name, value) in keys { try await vault.setKey(name, value: value) }
            baseURL = "http://127.0.0.1:\(port)"
            environment = [
                "KEYFLOW_HOME": home.directory.path, "KEYFLOW_PUBLIC_URL": "http://127.0.0.1:\(port)",
                // Runs may call the test's upstream on loopback (servers refuse it otherwise).
                "KEYFLOW_ALLOW_NETWORK": "127.0.0.0/8",
            ]
            process = try KeyflowCLI.start(
                ["serve", "--port", "\(port)", "--agents", agentsDirectory.path] + arguments, environment: environment)
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if let health = try? await get("/healthz"), health.status == 200 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            stop()
            throw NotServing()
        }

        struct NotServing: Error, CustomStringConvertible {
            var description: String { "keyflow serve did not answer /healthz" }
        }

        func get(_ path: String) async throws -> HTTPTransportResponse {
            try await transport.send(HTTPTransportRequest(method: "GET", url: baseURL + path), timeout: .seconds(10))
        }

        func run(_ agent: String, _ body: String = #"{"inputs": {}}"#) async throws -> (status: Int, body: String) {
            let response = try await transport.send(
                HTTPTransportRequest(
                    method: "POST", url: baseURL + "/api/v1/agents/\(agent)/run",
                    headers: [("Content-Type", "application/json")], body: Array(body.utf8)),
                timeout: .seconds(60))
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }

        /// Starts `keyflow worker` on the server's home (its SQLite file).
        func startWorker(_ arguments: [String] = []) throws {
            workers.append(try KeyflowCLI.start(["worker"] + arguments, environment: environment))
        }

        func stop() {
            for worker in workers where worker.isRunning { worker.terminate() }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            for worker in workers { worker.waitUntilExit() }
            let transport = self.transport
            Task { try? await transport.shutdown() }
        }
    }

    static func sleeper(delay: String) -> String {
        #"""
        {"components": [
          {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
          {"id": "S", "name": "FSleep", "data": {"delay": "\#(delay)"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
         "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "S", "targetIndex": 0}]}
        """#
    }

    /// The reported case: before the fix this run killed the server (SIGILL).
    @Test func theHugeSleepOfTheReportFailsTheRunAndTheServerKeepsAnswering() async throws {
        let served = try await Served(agents: [
            "sleeper": Self.sleeper(delay: "9223372036854775807"), "quick": Self.sleeper(delay: "0"),
        ])
        defer { served.stop() }
        let failed = try await served.run("sleeper")
        #expect(failed.status == 422, "\(failed.body)")
        #expect(
            failed.body.contains("run limit: FSleep S asks for") && failed.body.contains("--max-sleep-seconds"),
            "\(failed.body)")
        #expect(served.process.isRunning)
        #expect(try await served.get("/healthz").status == 200)
        #expect(try await served.run("quick").status == 200)
    }

    /// Runs are queued: beyond its share, a team's next run waits for a slot (it used to be
    /// refused with 429; the limit is now enforced when a worker claims).
    @Test func aTeamCannotRunMoreThanItsShareAtOnce() async throws {
        let served = try await Served(
            agents: ["slow": Self.sleeper(delay: "5"), "quick": Self.sleeper(delay: "0")],
            arguments: ["--max-concurrent-runs", "1", "--max-run-seconds", "30"])
        defer { served.stop() }
        let began = ContinuousClock.now
        async let first = served.run("slow")
        try await Self.until(served, [#""status":"running""#])
        async let second = served.run("quick")
        // While the slow run holds the team's one slot, the quick one waits in the queue.
        try await Self.until(served, [#""status":"queued""#, #""status":"running""#])
        #expect(try await first.status == 200)
        #expect(try await second.status == 200)
        #expect(ContinuousClock.now - began >= .seconds(5))
    }

    /// With SQLite too, a `keyflow worker` process beside a `serve --no-worker` executes the runs
    /// queued through the server (it polls the file: SQLite cannot notify).
    @Test func aWorkerProcessOnTheSameSQLiteFileExecutesTheServersRuns() async throws {
        let served = try await Served(agents: ["quick": Self.sleeper(delay: "0")], arguments: ["--no-worker"])
        defer { served.stop() }
        try served.startWorker()
        let answered = try await served.run("quick")
        #expect(answered.status == 200, "\(answered.body)")
        let listed = String(decoding: try await served.get("/api/v1/runs").body, as: UTF8.self)
        #expect(listed.contains(#""status":"succeeded""#) && listed.contains(#""worker":""#), "\(listed)")
    }

    /// Waits (up to 30 s) until one listing of the team's runs shows every one of `texts`: on
    /// a loaded machine a run can take a while to be queued or claimed.
    static func until(_ served: Served, _ texts: [String]) async throws {
        for _ in 0..<300 {
            let listed = String(decoding: try await served.get("/api/v1/runs").body, as: UTF8.self)
            if texts.allSatisfy(listed.contains) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the runs never showed \(texts) at once")
    }

    /// The queue has a bound per team: one team cannot fill it for everyone.
    @Test func aTeamCannotFillTheQueue() async throws {
        let served = try await Served(
            agents: ["slow": Self.sleeper(delay: "5"), "quick": Self.sleeper(delay: "0")],
            arguments: ["--max-concurrent-runs", "1", "--max-queued-runs", "1", "--max-run-seconds", "30"])
        defer { served.stop() }
        async let first = served.run("slow")
        try await Self.until(served, [#""status":"running""#])
        async let second = served.run("quick")  // waits in the queue: the one place there is
        try await Self.until(served, [#""status":"queued""#, #""status":"running""#])
        let refused = try await served.run("quick")
        #expect(refused.status == 429, "\(refused.body)")
        #expect(refused.body.contains("too_many_runs") && refused.body.contains("--max-queued-runs"), "\(refused.body)")
        #expect(try await first.status == 200)
        #expect(try await second.status == 200)
        #expect(try await served.run("quick").status == 200)  // the place came back
    }

    @Test func theRunWallTimeFlagStopsALongRun() async throws {
        let served = try await Served(
            agents: ["slow": Self.sleeper(delay: "5")], arguments: ["--max-run-seconds", "0.5"])
        defer { served.stop() }
        let began = ContinuousClock.now
        let response = try await served.run("slow")
        #expect(response.status == 504, "\(response.body)")
        #expect(response.body.contains("--max-run-seconds"), "\(response.body)")
        #expect(ContinuousClock.now - began < .seconds(4))
    }

    @Test func vaultValuesAreMaskedInTheRunAPI() async throws {
        let secret = "123456789:AAHsecretTelegramTokenXYZ9"
        let upstream = try TinyHTTPServer { target in
            target.hasPrefix("/404/")
                ? .response(status: 404, contentType: "application/json", body: #"{"ok":false}"#)
                : .response(status: 200, contentType: "application/json", body: #"{"ok":true}"#)
        }
        defer { upstream.stop() }
        func agent(_ prefix: String) -> String {
            #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "CALL", "name": "APICall", "data": {"method": "GET", "url": "\#(upstream.baseURL)/\#(prefix)/bot{{KEY(TG)}}/sendMessage"},
               "inputs": [{"name": "trigger", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "CALL", "targetIndex": 0}]}
            """#
        }
        let served = try await Served(agents: ["tg404": agent("404"), "tg200": agent("ok")], keys: ["TG": secret])
        defer { served.stop() }
        let failed = try await served.run("tg404")
        #expect(failed.status == 422, "\(failed.body)")
        #expect(failed.body.contains("HTTP 404 from \(upstream.baseURL)/404/bot••••XYZ9/sendMessage"), "\(failed.body)")
        let succeeded = try await served.run("tg200")
        #expect(succeeded.status == 200, "\(succeeded.body)")
        #expect(succeeded.body.contains("/ok/bot••••XYZ9/sendMessage"), "\(succeeded.body)")
        for body in [failed.body, succeeded.body] { #expect(!body.contains("AAHsecretTelegramToken"), "\(body)") }
    }
}
