import Foundation
import OAuthCore
import Synchronization
import TestSupport
import Testing

/// `keyflow serve --connections-per-host N`: runs calling one host may have N requests at it at
/// once. With AsyncHTTPClient's default of 8, the 9th run waits for a connection however many
/// runs the team may have running (keyflow-bench serve saw 8 of 1,000 runs at the provider).
@Suite(.serialized) struct ConnectionsPerHostTests {
    /// Holds each request until `expected` are in at once (or 20 s passed), and records the most.
    final class Gate: Sendable {
        private let state = Mutex((inside: 0, most: 0))
        let expected: Int

        init(expected: Int) { self.expected = expected }

        var most: Int { state.withLock { $0.most } }

        func hold() {
            state.withLock {
                $0.inside += 1
                $0.most = max($0.most, $0.inside)
            }
            defer { state.withLock { $0.inside -= 1 } }
            let deadline = Date().addingTimeInterval(20)
            while state.withLock({ $0.most }) < expected && Date() < deadline { usleep(10_000) }
        }
    }

    @Test func moreConnectionsPerHostLetMoreRunsCallOneHostAtOnce() async throws {
        let runs = 12
        let gate = Gate(expected: runs)
        let upstream = try TinyHTTPServer { _ in
            gate.hold()
            return .response(status: 200, contentType: "application/json", body: #"{"ok":true}"#)
        }
        defer { upstream.stop() }
        let agent = #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "CALL", "name": "APICall", "data": {"method": "GET", "url": "\#(upstream.baseURL)/held"},
               "inputs": [{"name": "trigger", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "CALL", "targetIndex": 0}]}
            """#
        let served = try await ServeRunSafetyTests.Served(
            agents: ["call": agent],
            arguments: [
                "--connections-per-host", "\(runs)", "--max-concurrent-runs", "\(runs)", "--worker-concurrency",
                "\(runs)", "--max-queued-runs", "\(runs)",
            ])
        defer { served.stop() }
        // The test's own client may open a connection per run, so that it queues none of them.
        let client = AsyncHTTPTransport(connectionsPerHost: runs)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<runs {
                group.addTask {
                    try await client.send(
                        HTTPTransportRequest(
                            method: "POST", url: served.baseURL + "/api/v1/agents/call/run",
                            headers: [("Content-Type", "application/json")], body: Array("{}".utf8)),
                        timeout: .seconds(60)
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        try await client.shutdown()
        #expect(statuses == Array(repeating: 200, count: runs), "\(statuses)")
        #expect(gate.most == runs, "the upstream saw at most \(gate.most) requests at once")
    }

    @Test func zeroConnectionsPerHostIsRefused() throws {
        let result = try KeyflowCLI.run(["serve", "--connections-per-host", "0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--connections-per-host must be 1 or more"), "\(result.stderr)")
    }
}
