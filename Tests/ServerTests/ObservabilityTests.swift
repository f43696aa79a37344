import Foundation
import Logging
import Prometheus
import Server
import ServiceContextModule
import Synchronization
import TestSupport
import Testing
import Vault

/// The pieces of `keyflow serve`'s observability, in process: the JSON log lines and their
/// metadata, the metrics the vault's events count (read back with prometheus_client's parser),
/// the metrics address rules. `ObservabilityServeTests` runs them together in a real server.
struct ObservabilityTests {
    /// Collects a handler's lines.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
        /// Each line as a JSON object (a line that is not one fails the test).
        func objects() throws -> [[String: Any]] {
            try all.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            }
        }
    }

    @Test func jsonLinesCarryTheRunAgentComponentAndActorAtEveryLevel() async throws {
        let lines = Lines()
        let logger = Logger(label: "keyflow.test") { label in
            JSONLogHandler(
                label: label, level: .trace, metadataProvider: KeyflowLogging.metadataProvider,
                sink: { lines.append($0) })
        }
        logger.notice("outside any run")
        let run: (inout ServiceContext) -> Void = {
            $0.keyflowActor = "user:ann"
            $0.keyflowAgent = "weather"
            $0.keyflowRun = "run_abc"
        }
        let component: (inout ServiceContext) -> Void = { $0.keyflowComponent = "CALL" }
        await Attribution.with(run) {
            await Attribution.with(component) {
                for level in Logger.Level.allCases {
                    logger.log(level: level, "line at \(level)", metadata: ["n": .stringConvertible(7)])
                }
            }
        }
        let objects = try lines.objects()
        #expect(objects.count == 1 + Logger.Level.allCases.count)
        let outside = try #require(objects.first)
        #expect(outside["level"] as? String == "notice" && outside["label"] as? String == "keyflow.test")
        #expect((outside["metadata"] as? [String: Any])?.isEmpty == true)
        let timestamp = try #require(outside["timestamp"] as? String)
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z") && timestamp.contains("T"))
        for (object, level) in zip(objects.dropFirst(), Logger.Level.allCases) {
            #expect(object["level"] as? String == level.rawValue)
            #expect(object["message"] as? String == "line at \(level)")
            let metadata = try #require(object["metadata"] as? [String: String])
            #expect(
                metadata == [
                    "run_id": "run_abc", "agent": "weather", "component": "CALL", "actor": "user:ann", "n": "7",
                ])
        }
    }

    @Test func jsonLinesEscapeWhatTheyQuote() throws {
        let line = JSONLogHandler.line(
            timestamp: Date(timeIntervalSince1970: 1_700_000_000.25), level: .error, label: "a\"b",
            message: "two\nlines\t\u{1}\u{2028}\\ end", metadata: ["list": ["x", ["y": "z"]], "ü": "ß"])
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["timestamp"] as? String == "2023-11-14T22:13:20.250Z")
        #expect(object["label"] as? String == "a\"b")
        #expect(object["message"] as? String == "two\nlines\t\u{1}\u{2028}\\ end")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["ü"] as? String == "ß")
        let list = try #require(metadata["list"] as? [Any])
        #expect(list.first as? String == "x" && (list.last as? [String: String]) == ["y": "z"])
    }

    @Test func vaultEventsAreCountedByConnectionAndStatusInPrometheusText() async throws {
        let registry = PrometheusCollectorRegistry()
        let sink = VaultMetricsSink(factory: KeyflowMetrics.factory(registry: registry))
        func event(_ action: VaultEvent.Action, _ connection: String, status: Int? = nil) -> VaultEvent {
            VaultEvent(
                action, team: "acme", at: 0, connection: connection, method: "GET", origin: "https://api.example.com",
                path: "/v1/me", status: status, succeeded: status.map { $0 < 400 } ?? false)
        }
        for _ in 0..<3 { await sink.record(event(.credentialUse, "con_a", status: 200)) }
        await sink.record(event(.credentialUse, "con_a", status: 401))
        await sink.record(event(.credentialUse, "con_b"))
        await sink.record(event(.connectionRefresh, "con_a"))
        await sink.record(event(.connectionRefreshFailed, "con_b"))
        await sink.record(event(.connectionEdit, "con_a"))  // not counted
        let samples = try PrometheusText.parse(registry.emitToString())
        #expect(samples.value("keyflow_api_calls_total", ["connection": "con_a", "status": "200"]) == 3)
        #expect(samples.value("keyflow_api_calls_total", ["connection": "con_a", "status": "401"]) == 1)
        #expect(samples.value("keyflow_api_calls_total", ["connection": "con_b", "status": "error"]) == 1)
        #expect(samples.value("keyflow_token_refreshes_total", ["connection": "con_a"]) == 1)
        #expect(samples.value("keyflow_token_refresh_failures_total", ["connection": "con_b"]) == 1)
        #expect(samples.all.count == 5)
    }

    @Test func metricsAddressesAreHostAndPortAndLoopbackIsRecognised() {
        #expect(MetricsAddress("127.0.0.1:9464") == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(MetricsAddress("[::1]:9000") == MetricsAddress(host: "::1", port: 9000))
        #expect(MetricsAddress("localhost:1")?.isLoopback == true)
        #expect(MetricsAddress("127.9.9.9:1")?.isLoopback == true)
        #expect(MetricsAddress("[::1]:1")?.isLoopback == true)
        #expect(MetricsAddress("0.0.0.0:9464")?.isLoopback == false)
        #expect(MetricsAddress("10.0.0.1:9464")?.isLoopback == false)
        #expect(MetricsAddress("127.0.0.1.evil.com:9464")?.isLoopback == false)
        #expect(MetricsAddress("[::1]:9000")?.description == "[::1]:9000")
        for bad in ["9464", "host:", ":9464", "host:99999", "host:-1", "a b:1", "host:port"] {
            #expect(MetricsAddress(bad) == nil, "\(bad)")
        }
    }
}

/// Prometheus' text format read by prometheus_client's parser (`peers/prometheus_text.py`).
struct PrometheusText {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }
    let all: [Sample]

    static func parse(_ text: String) throws -> PrometheusText {
        let output = try PeerPython.filter(script: "prometheus_text.py", input: Data(text.utf8))
        let list = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        return PrometheusText(
            all: list.compactMap { sample in
                guard let name = sample["name"] as? String, let labels = sample["labels"] as? [String: String],
                    let value = sample["value"] as? Double
                else { return nil }
                return Sample(name: name, labels: labels, value: value)
            })
    }

    /// The value of the sample with exactly these labels, nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        all.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The samples of `name` whose labels include `labels`.
    func samples(_ name: String, matching labels: [String: String] = [:]) -> [Sample] {
        all.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }
}
