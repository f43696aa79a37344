import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing
import Vault

/// Each per-run limit ends the run with `RunError.limitExceeded`, naming the limit, its flag
/// and the component, and stays in force where an `_error` branch would catch a component's
/// failure.
struct RunLimitTests {
    /// E → C0 → C1 → … (FSleep steps with `delay`).
    static func chain(_ delays: [String]) throws -> Agent {
        var components = [
            #"{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]}"#
        ]
        var connections: [String] = []
        for (index, delay) in delays.enumerated() {
            components.append(
                #"{"id": "C\#(index)", "name": "FSleep", "data": {"delay": "\#(delay)"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}, {"name": "_error", "index": 1}]}"#
            )
            connections.append(
                #"{"sourceId": "\#(index == 0 ? "E" : "C\(index - 1)")", "sourceIndex": 0, "targetId": "C\#(index)", "targetIndex": 0}"#
            )
        }
        return try AgentLoader.parse(
            Array(
                #"{"components": [\#(components.joined(separator: ","))], "connections": [\#(connections.joined(separator: ","))]}"#
                    .utf8),
            source: "chain.smyth")
    }

    static func run(
        _ agent: Agent, _ limits: RunLimits, inputs: [(String, JSONValue)] = [("v", .number(1))],
        http: (any HTTPTransport)? = nil
    ) async throws(RunError) -> RunResult {
        let prepared: PreparedAgent
        do { prepared = try AgentPreparer.prepare(agent) } catch { throw .noEndpoint("prepare: \(error)") }
        var executor = Executor(agent: prepared)
        executor.limits = limits
        return try await executor.run(
            endpoint: nil, inputs: JSONObject(inputs), context: RunEnvironment(variables: agent.variables, http: http))
    }

    /// Expects `body` to fail with `limit` at `component`, the message naming the flag.
    static func expectLimit(_ limit: RunLimit, at component: String?, _ body: () async throws -> RunResult) async {
        do {
            let result = try await body()
            Issue.record("expected the \(limit) limit, got \(JSONWriter.string(result.output))")
        } catch {
            guard let error = error as? RunError, case .limitExceeded(let hit, let id, let message) = error else {
                Issue.record("expected the \(limit) limit, got \(error)")
                return
            }
            #expect(hit == limit)
            #expect(id == component)
            #expect(message.contains(limit.flag), "\(message)")
            if let component { #expect(message.contains(component), "\(message)") }
            #expect(error.description.hasPrefix("run limit: "))
        }
    }

    @Test func wallTimeStopsARunThatWaitsTooLong() async throws {
        var limits = RunLimits.defaults
        // A ten-second limit on a 290-second sleep (under the 300 s sleep limit): the run must
        // end long before the sleep would. The bounds leave room for a loaded machine, where the
        // whole suite can keep this test off the CPU for half a minute; a one-second limit
        // could fire before C0 had even started there, and then no component is named.
        limits.wallTime = .seconds(10)
        let began = ContinuousClock.now
        let agent = try Self.chain(["290"])
        await Self.expectLimit(.wallTime, at: "C0") { try await Self.run(agent, limits) }
        #expect(ContinuousClock.now - began < .seconds(120))
    }

    @Test func componentExecutionsAreCounted() async throws {
        var limits = RunLimits.defaults
        limits.maxComponentsExecuted = 3  // E, C0, C1
        let agent = try Self.chain(["0", "0", "0", "0"])
        await Self.expectLimit(.componentsExecuted, at: "C2") { try await Self.run(agent, limits) }
        limits.maxComponentsExecuted = 5
        let result = try await Self.run(agent, limits)
        #expect(result.output["id"] == .string("C3"))
    }

    @Test func forEachItemsAreCountedAcrossTheRun() async throws {
        var limits = RunLimits.defaults
        limits.maxForEachItems = 4
        let agent = try ForEachTests.agent(format: "minimal")
        let five = JSONValue.array((1...5).map { .string("item \($0)") })
        await Self.expectLimit(.forEachItems, at: "F") { try await Self.run(agent, limits, inputs: [("items", five)]) }
        let four = JSONValue.array((1...4).map { .string("item \($0)") })
        #expect(try await Self.run(agent, limits, inputs: [("items", four)]).output["hashes"]?.arrayValue?.count == 4)
    }

    @Test func sleepIsCountedAcrossSteps() async throws {
        var limits = RunLimits.defaults
        limits.maxTotalSleep = .milliseconds(1500)
        // One second each: the first fits, the second would make two; the _error branch does not catch it.
        let agent = try Self.chain(["1", "1"])
        await Self.expectLimit(.totalSleep, at: "C1") { try await Self.run(agent, limits) }
    }

    /// An HTTPTransport whose response is `size` bytes (for runtimes given another transport).
    struct BigResponse: HTTPTransport {
        let size: Int
        func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
            HTTPTransportResponse(
                status: 200, headers: [("Content-Type", "text/plain")], body: [UInt8](repeating: 65, count: size))
        }
    }

    static func apiCallAgent(url: String) throws -> Agent {
        try singleComponentAgent(
            type: "APICall", data: #"{"method": "GET", "url": "\#(url)"}"#, inputs: ["trigger"], outputs: ["Response"])
    }

    @Test func responseBodyOverTheLimitEndsTheRun() async throws {
        var limits = RunLimits.defaults
        limits.maxResponseBytes = 1000
        let agent = try Self.apiCallAgent(url: "https://api.example/big")
        await Self.expectLimit(.responseBytes, at: "C") {
            try await Self.run(agent, limits, inputs: [("trigger", .bool(true))], http: BigResponse(size: 1001))
        }
        #expect(
            try await Self.run(agent, limits, inputs: [("trigger", .bool(true))], http: BigResponse(size: 1000)).output
                .result("Response")?.stringValue?.count == 1000)
    }

    /// Through the real transport, the body is not read beyond the limit: an endpoint that
    /// never stops sending gets the run ended quickly, having sent little.
    @Test func anEndlessResponseIsCutOffWhileReading() async throws {
        let server = try TinyHTTPServer { _ in .endless }
        defer { server.stop() }
        let transport = AsyncHTTPTransport(maxResponseBytes: 1 << 30)
        defer { Task { try? await transport.shutdown() } }
        var limits = RunLimits.defaults
        limits.maxResponseBytes = 1 << 20
        let agent = try Self.apiCallAgent(url: server.baseURL + "/endless")
        let session = try await AgentSession.make(
            agent: agent, broker: nil, transport: transport, login: nil, limits: limits)
        var executor = Executor(agent: session.prepared)
        executor.limits = limits
        let began = ContinuousClock.now
        await Self.expectLimit(.responseBytes, at: "C") {
            try await executor.run(
                endpoint: nil, inputs: JSONObject([("trigger", .bool(true))]), context: session.environment)
        }
        // The run's own wall time (60 s) would end it otherwise, with another limit; the time
        // bound only says it did not get there, leaving room for a loaded machine.
        #expect(ContinuousClock.now - began < .seconds(55))
        #expect(server.sentBodyBytes < 256 << 20, "the server sent \(server.sentBodyBytes) bytes")
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let limits = RunLimits.defaults
        #expect(limits.wallTime == .seconds(60))
        #expect(limits.maxComponentsExecuted == 100_000)
        #expect(limits.maxForEachItems == 10_000)
        #expect(limits.maxTotalSleep == .seconds(300))
        #expect(limits.maxResponseBytes == 10 << 20)
        #expect(limits.maxConcurrentRunsPerTeam == 4)
    }
}
