import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// `keyflow serve` as a process with metrics, JSON logs at trace level and traces on, against
/// `peers/observability_peer.py` (the token endpoint, the API and the OTLP/HTTP receiver):
/// `/metrics` read with prometheus_client's parser, the log lines and spans checked for the
/// run's ids, and a canary in every secret (client secret, access and refresh tokens, the
/// collector's header) that must appear nowhere.
@Suite(.serialized) struct ObservabilityServeTests {
    static let canary = "CANARY7f3a9c"

    /// An agent of two APICalls through `connection`: the first lets the run's trace travel
    /// (`propagateTrace`), the second does not.
    static func agent(peer: String, connection: String, secondPath: String = "/api/two") -> String {
        #"""
        {"components": [
          {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
          {"id": "ONE", "name": "APICall", "data": {"method": "GET", "url": "\#(peer)/api/one?q=\#(canary)", "oauth_con_id": "\#(connection)", "propagateTrace": true},
           "inputs": [{"name": "trigger", "index": 0, "optional": true}], "outputs": [{"name": "Response", "index": 0, "default": true}]},
          {"id": "TWO", "name": "APICall", "data": {"method": "GET", "url": "\#(peer)\#(secondPath)", "oauth_con_id": "\#(connection)"},
           "inputs": [{"name": "trigger", "index": 0, "optional": true}], "outputs": [{"name": "Response", "index": 0, "default": true}]},
          {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "r", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
         "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "ONE", "targetIndex": 0},
                         {"sourceId": "ONE", "sourceIndex": 0, "targetId": "TWO", "targetIndex": 0},
                         {"sourceId": "TWO", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}]}
        """#
    }

    /// A served home: a vault with two connections to the peer (one whose refresh works, one
    /// whose refresh is refused), both with canaries for secrets, and agents using them.
    struct Setup {
        let directory: URL
        let home: KeyflowHome
        let good: String
        let bad: String

        init(peer: String) async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "keyflow-obs-\(UUID().uuidString)")
            let agents = directory.appendingPathComponent("agents")
            try FileManager.default.createDirectory(at: agents, withIntermediateDirectories: true)
            home = KeyflowHome(directory: directory.appendingPathComponent("home"))
            let vault = try await Vault.open(home: home).vault
            func add(_ name: String, refresh: String) async throws -> String {
                let id = try await vault.add(
                    kind: "custom-oauth2", name: name,
                    input: ConnectionInput(
                        text: [
                            "clientID": "app", "clientSecret": "secret-\(ObservabilityServeTests.canary)",
                            "authorizationURL": peer + "/authorize", "tokenURL": peer + "/token",
                        ], allowedHosts: [peer])
                ).id
                try await vault.storeTokens(
                    id,
                    ConnectionTokens(
                        accessToken: "expired-\(ObservabilityServeTests.canary)",
                        refreshToken: refresh + "-\(ObservabilityServeTests.canary)",
                        expiresAt: Date().timeIntervalSince1970 - 10))
                return id
            }
            good = try await add("Good", refresh: "good")
            bad = try await add("Bad", refresh: "bad")
            try Data(ObservabilityServeTests.agent(peer: peer, connection: good).utf8).write(
                to: agents.appendingPathComponent("obs.smyth"))
            try Data(ObservabilityServeTests.agent(peer: peer, connection: bad).utf8).write(
                to: agents.appendingPathComponent("broken.smyth"))
        }

        var agents: String { directory.appendingPathComponent("agents").path }
    }

    /// A `keyflow serve` process logging to a file.
    final class Serve: @unchecked Sendable {
        let process: Process
        let baseURL: String
        let metricsURL: String
        let log: URL
        let transport = AsyncHTTPTransport()

        init(setup: Setup, arguments: [String], environment: [String: String]) async throws {
            let port = try SilentListener().closeAndReturnPort()
            let metricsPort = try SilentListener().closeAndReturnPort()
            baseURL = "http://127.0.0.1:\(port)"
            metricsURL = "http://127.0.0.1:\(metricsPort)/metrics"
            log = setup.directory.appendingPathComponent("serve-\(port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            let process = Process()
            process.executableURL = KeyflowCLI.executable
            process.arguments =
                [
                    "serve", "--port", "\(port)", "--agents", setup.agents, "--metrics-address",
                    "127.0.0.1:\(metricsPort)",
                ] + arguments
            process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "KEYFLOW_DATABASE_URL" }
                .merging(
                    [
                        "KEYFLOW_HOME": setup.home.directory.path, "KEYFLOW_PUBLIC_URL": baseURL,
                        "KEYFLOW_ALLOW_NETWORK": "127.0.0.0/8",
                    ].merging(environment) { $1 }
                ) { $1 }
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            self.process = process
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if let health = try? await get(baseURL + "/healthz"), health.status == 200,
                    let metrics = try? await get(metricsURL), metrics.status == 200
                {
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            stop()
            throw NotServing(output: output)
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        struct NotServing: Error, CustomStringConvertible {
            let output: String
            var description: String { "keyflow serve did not start: \(output)" }
        }

        func get(_ url: String) async throws -> HTTPTransportResponse {
            try await transport.send(HTTPTransportRequest(method: "GET", url: url), timeout: .seconds(10))
        }

        func post(_ path: String, _ body: String = #"{"inputs": {}}"#) async throws -> (
            status: Int, json: [String: Any]
        ) {
            let response = try await transport.send(
                HTTPTransportRequest(
                    method: "POST", url: baseURL + path, headers: [("Content-Type", "application/json")],
                    body: Array(body.utf8)),
                timeout: .seconds(60))
            let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
            return (response.status, json)
        }

        func metrics() async throws -> PrometheusText {
            let response = try await get(metricsURL)
            #expect(response.status == 200)
            return try PrometheusText.parse(String(decoding: response.body, as: UTF8.self))
        }

        /// SIGTERM, and the exit.
        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let transport = self.transport
            Task { try? await transport.shutdown() }
        }
    }

    static func json(_ response: HTTPTransportResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
    }

    @Test func metricsLogsAndTracesOfRunsCarryTheirIdsAndNoSecret() async throws {
        let peer = try PeerServer(
            script: "observability_peer.py", arguments: ["--access-token", "fresh-\(Self.canary)"])
        defer { peer.stop() }
        let setup = try await Setup(peer: peer.baseURL)
        let serve = try await Serve(
            setup: setup, arguments: ["--log-format", "json", "--log-level", "trace"],
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": peer.baseURL, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer \(Self.canary)",
            ])
        defer { serve.stop() }

        let succeeded = try await serve.post("/api/v1/agents/obs/run")
        #expect(succeeded.status == 200, "\(succeeded.json)")
        let runID = try #require(succeeded.json["run"] as? String)
        let failed = try await serve.post("/api/v1/agents/broken/run")
        #expect(failed.status != 200)
        let missing = try await serve.get(serve.baseURL + "/api/v1/agents/no-such-agent-\(Self.canary)")
        #expect(missing.status == 404)

        // Metrics: counted by connection and status, by route pattern, by the runs' ends.
        let metrics = try await serve.metrics()
        #expect(metrics.value("keyflow_api_calls_total", ["connection": setup.good, "status": "200"]) == 2)
        #expect(metrics.value("keyflow_token_refreshes_total", ["connection": setup.good]) == 1)
        #expect((metrics.value("keyflow_token_refresh_failures_total", ["connection": setup.bad]) ?? 0) >= 1)
        #expect(metrics.value("keyflow_token_refreshes_total", ["connection": setup.bad]) == nil)
        #expect(metrics.value("keyflow_run_duration_seconds_count", ["status": "succeeded"]) == 1)
        #expect(metrics.value("keyflow_run_duration_seconds_count", ["status": "failed"]) == 1)
        #expect(metrics.value("keyflow_runs_running") == 0)
        #expect(metrics.value("keyflow_runs_queued") != nil)
        let route = "/api/v1/agents/{name}/run"
        let runRequests = metrics.samples("keyflow_http_requests_total", matching: ["method": "POST"])
        #expect(Set(runRequests.map { $0.labels["route"] }) == [route])
        #expect(metrics.value("keyflow_http_requests_total", ["route": route, "method": "POST", "status": "200"]) == 1)
        #expect(runRequests.map(\.value).reduce(0, +) == 2)
        #expect(
            metrics.value(
                "keyflow_http_requests_total", ["route": "/api/v1/agents/{name}", "method": "GET", "status": "404"])
                == 1)
        #expect(
            metrics.value(
                "keyflow_http_request_duration_seconds_count", ["route": route, "method": "POST", "status": "200"]) == 1
        )
        let labels = metrics.all.flatMap { $0.labels.values }
        #expect(!labels.contains { $0.contains(Self.canary) || $0.contains("obs") || $0.contains("no-such-agent") })

        // Traces: the run's span, its components', and the APICalls' client spans beneath them.
        var spans: [[String: Any]] = []
        for _ in 0..<100 {
            spans = try Self.json(try await serve.get(peer.baseURL + "/_spans"))
            if spans.contains(where: {
                $0["name"] as? String == "HTTP GET"
                    && ($0["attributes"] as? [String: Any])?["url.template"] as? String == "\(peer.baseURL)/api/two"
            }) {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        func attributes(_ span: [String: Any]) -> [String: Any] { span["attributes"] as? [String: Any] ?? [:] }
        let run = try #require(spans.first { attributes($0)["keyflow.run.id"] as? String == runID }, "\(spans)")
        #expect(run["name"] as? String == "run obs" && attributes(run)["keyflow.run.status"] as? String == "succeeded")
        let traceID = try #require(run["trace_id"] as? String)
        let inRun = spans.filter { $0["trace_id"] as? String == traceID }
        let components = inRun.filter { ($0["name"] as? String)?.hasPrefix("component ") == true }
        #expect(
            Set(components.compactMap { attributes($0)["keyflow.component.id"] as? String }) == [
                "E", "ONE", "TWO", "O",
            ])
        #expect(components.allSatisfy { $0["parent_span_id"] as? String == run["span_id"] as? String })
        let calls = inRun.filter { $0["name"] as? String == "HTTP GET" }
        #expect(calls.count == 2)
        for call in calls {
            let parent = try #require(
                components.first { $0["span_id"] as? String == call["parent_span_id"] as? String })
            let component = attributes(parent)["keyflow.component.id"] as? String
            #expect(component == "ONE" || component == "TWO")
            #expect(attributes(call)["keyflow.connection.id"] as? String == setup.good)
            #expect(attributes(call)["http.response.status_code"] as? Int == 200)
            #expect(attributes(call)["http.request.method"] as? String == "GET")
            #expect(call["kind"] as? Int == 3)  // SPAN_KIND_CLIENT
        }
        let first = try #require(
            calls.first { attributes($0)["url.template"] as? String == "\(peer.baseURL)/api/one" }, "the query is cut")
        let failedRun = try #require(spans.first { $0["name"] as? String == "run broken" })
        #expect(attributes(failedRun)["keyflow.run.status"] as? String == "failed")
        #expect(
            !String(decoding: try JSONSerialization.data(withJSONObject: spans), as: UTF8.self).contains(Self.canary))

        // traceparent: sent to the opted-in call only, with the run's trace and the call's span.
        let requests = try Self.json(try await serve.get(peer.baseURL + "/_requests"))
        let one = try #require(requests.first { $0["path"] as? String == "/api/one" })
        let two = try #require(requests.first { $0["path"] as? String == "/api/two" })
        let traceparent = try #require(one["traceparent"] as? String)
        let parts = traceparent.split(separator: "-").map(String.init)
        #expect(parts.count == 4 && parts[0] == "00" && parts[1] == traceID && parts[2] == first["span_id"] as? String)
        #expect(two["traceparent"] is NSNull)

        // Logs: JSON lines, the run's own carrying its id, trace and component; no canary anywhere.
        serve.stop()
        let output = serve.output
        #expect(!output.contains(Self.canary))
        let lines = output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        func metadata(_ line: [String: Any]) -> [String: String] { line["metadata"] as? [String: String] ?? [:] }
        let runLines = lines.filter { metadata($0)["run_id"] == runID }
        #expect(runLines.contains { $0["message"] as? String == "run succeeded" && metadata($0)["agent"] == "obs" })
        #expect(runLines.contains { $0["level"] as? String == "trace" && metadata($0)["component"] == "ONE" })
        #expect(runLines.contains { metadata($0)["trace_id"] == traceID })
        #expect(
            runLines.contains {
                $0["message"] as? String == "vault event" && metadata($0)["action"] == "credential.use"
            })
        #expect(Set(lines.compactMap { $0["level"] as? String }).isSuperset(of: ["trace", "debug", "info", "notice"]))
    }

    @Test func queuedRunsAreCountedFromTheStoreAndRunningOnesFromTheWorker() async throws {
        let peer = try PeerServer(script: "observability_peer.py")
        defer { peer.stop() }
        let setup = try await Setup(peer: peer.baseURL)
        let serve = try await Serve(setup: setup, arguments: ["--no-worker"], environment: [:])
        defer { serve.stop() }
        for _ in 0..<2 {
            let queued = try await serve.post("/api/v1/agents/obs/runs")
            #expect(queued.status == 202, "\(queued.json)")
        }
        // The count is taken every 5 s.
        var metrics = try await serve.metrics()
        for _ in 0..<150 where metrics.value("keyflow_runs_queued") != 2 {
            try await Task.sleep(for: .milliseconds(100))
            metrics = try await serve.metrics()
        }
        #expect(metrics.value("keyflow_runs_queued") == 2)
        #expect(metrics.value("keyflow_runs_running") == 0)
        #expect(metrics.samples("keyflow_run_duration_seconds_count").isEmpty)
        // A Host that is not loopback (DNS rebinding) is refused.
        let rebound = try await serve.transport.send(
            HTTPTransportRequest(method: "GET", url: serve.metricsURL, headers: [("Host", "evil.example:80")]),
            timeout: .seconds(10))
        #expect(rebound.status == 421)
    }

    @Test func badObservabilitySettingsAreRefusedWithASentence() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-obs-\(UUID().uuidString)")
        let environment = ["KEYFLOW_HOME": home.path]
        let remote = try await KeyflowCLI.runAsync(
            ["serve", "--metrics-address", "0.0.0.0:9464"], environment: environment)
        #expect(remote.status == 2 && remote.stderr.contains("--allow-remote-metrics"), "\(remote.stderr)")
        let format = try await KeyflowCLI.runAsync(["serve", "--log-format", "xml"], environment: environment)
        #expect(format.status == 2 && format.stderr.contains("text or json"), "\(format.stderr)")
        let level = try await KeyflowCLI.runAsync(
            ["worker"], environment: environment.merging(["KEYFLOW_LOG_LEVEL": "loud"]) { $1 })
        #expect(level.status == 2 && level.stderr.contains("KEYFLOW_LOG_LEVEL"), "\(level.stderr)")
        let grpc = try await KeyflowCLI.runAsync(
            ["serve", "--metrics-address", "off"],
            environment: environment.merging([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=\(Self.canary)",
            ]) { $1 })
        #expect(grpc.status == 1 && grpc.stderr.contains("OTLP/HTTP only"), "\(grpc.stderr)")
        #expect(!(grpc.stdout + grpc.stderr).contains(Self.canary))
    }

    @Test func keyflowRunExportsItsSpansBeforeItExitsAndLogsJSON() async throws {
        let peer = try PeerServer(script: "observability_peer.py")
        defer { peer.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-obs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("ping.smyth")
        try Data(
            #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "P", "name": "APICall", "data": {"method": "GET", "url": "\#(peer.baseURL)/api/ping", "propagateTrace": "true"},
               "inputs": [{"name": "trigger", "index": 0, "optional": true}], "outputs": [{"name": "Response", "index": 0, "default": true}]},
              {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "r", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "P", "targetIndex": 0},
                             {"sourceId": "P", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}]}
            """#.utf8
        ).write(to: file)
        let result = try await KeyflowCLI.runAsync(
            ["run", file.path, "--log-format", "json", "--log-level", "info"],
            environment: [
                "KEYFLOW_HOME": directory.appendingPathComponent("home").path,
                "OTEL_EXPORTER_OTLP_ENDPOINT": peer.baseURL, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        // Exported at exit: the batch delay (5 s by default) did not have to pass.
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let spans = try Self.json(
            try await transport.send(
                HTTPTransportRequest(method: "GET", url: peer.baseURL + "/_spans"), timeout: .seconds(10)))
        let run = try #require(spans.first { $0["name"] as? String == "run ping.smyth" }, "\(spans)")
        let runID = try #require((run["attributes"] as? [String: Any])?["keyflow.run.id"] as? String)
        let call = try #require(spans.first { $0["name"] as? String == "HTTP GET" })
        #expect(call["trace_id"] as? String == run["trace_id"] as? String)
        // Only Keyflow's spans: the HTTP client makes none of its own (they would carry url.full).
        #expect(spans.count == 5, "\(spans)")  // the run, three components, the request
        #expect(!spans.contains { ($0["attributes"] as? [String: Any])?["url.full"] != nil })
        let requests = try Self.json(
            try await transport.send(
                HTTPTransportRequest(method: "GET", url: peer.baseURL + "/_requests"), timeout: .seconds(10)))
        let traceparent = try #require(requests.first?["traceparent"] as? String)
        #expect(traceparent == "00-\(run["trace_id"] as? String ?? "?")-\(call["span_id"] as? String ?? "?")-01")
        let lines = result.stderr.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(
            lines.contains {
                $0["message"] as? String == "run succeeded"
                    && ($0["metadata"] as? [String: String])?["run_id"] == runID
            })
    }
}
