import Foundation
import OAuthCore
import Runtime
import Synchronization
import Testing

/// Numbers from agent files and inputs that trapped, or could: every numeric field the
/// runtime converts gets huge, negative, NaN, infinite and extreme values, and the run must
/// end normally (a result or a `RunError`), never stop the process. (Before the fix an
/// FSleep of "9223372036854775807" trapped in `Task.sleep`, an APICall `timeout` of 1e308 in
/// `Int(_:)`, and a byte array holding 1e308 in FEncDec.)
struct HostileNumberTests {
    /// Runs `agent` with `limits`, returning its result.
    static func run(
        _ agent: Agent, limits: RunLimits = .defaults, inputs: [(String, JSONValue)] = [("input", .string("x"))],
        http: (any HTTPTransport)? = nil
    ) async throws -> RunResult {
        var executor = Executor(agent: try AgentPreparer.prepare(agent))
        executor.limits = limits
        return try await executor.run(
            endpoint: nil, inputs: JSONObject(inputs), context: RunEnvironment(variables: agent.variables, http: http))
    }

    /// (delay as written in the file, true when it must end the run at the sleep limit).
    static let delays: [(String, Bool)] = [
        (#""9223372036854775807""#, true), (#""-9223372036854775808""#, false), (#""9223372036854775808""#, true),
        (#""1e308""#, true), (#""-1e308""#, false), (#""NaN""#, false), (#""Infinity""#, false),
        (#""-Infinity""#, false),
        (#""-1""#, false), (#""1e-320""#, false), (#""0x10""#, true), (#""  12  ""#, true), (#""""#, false),
        ("1e308", true), ("-9223372036854775808", false), ("9223372036854775807", true), ("null", false),
    ]

    @Test(arguments: delays)
    func fSleepDelayEndsTheRunOrSleepsWithinTheLimit(delay: String, overLimit: Bool) async throws {
        let agent = try singleComponentAgent(
            type: "FSleep", data: #"{"delay": \#(delay)}"#, inputs: ["Input"], outputs: ["Output"])
        var limits = RunLimits.defaults
        limits.maxTotalSleep = .seconds(2)
        do {
            let result = try await Self.run(agent, limits: limits)
            #expect(!overLimit, "delay \(delay) should have gone over the limit")
            #expect(result.output.result("Output") == .string("x"))
        } catch let error as RunError {
            #expect(overLimit, "delay \(delay): \(error)")
            guard case .limitExceeded(.totalSleep, "C"?, let message) = error else {
                Issue.record("delay \(delay): \(error)")
                return
            }
            #expect(message.contains("FSleep C") && message.contains("--max-sleep-seconds"), "\(message)")
        }
    }

    /// An HTTPTransport that answers 200 and remembers the timeout each request carried.
    final class TimeoutRecorder: HTTPTransport {
        private let seen = Mutex<[Duration]>([])
        var timeouts: [Duration] { seen.withLock { $0 } }
        func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
            seen.withLock { $0.append(timeout) }
            return HTTPTransportResponse(
                status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        }
    }

    @Test(arguments: [
        #""9223372036854775807""#, #""-9223372036854775808""#, #""1e308""#, #""NaN""#, #""Infinity""#, #""-Infinity""#,
        "1e308", "-1e308", #""0""#, #""abc""#,
    ])
    func apiCallTimeoutIsClampedNotConverted(timeout: String) async throws {
        let agent = try singleComponentAgent(
            type: "APICall", data: #"{"method": "GET", "url": "https://api.example/x", "timeout": \#(timeout)}"#,
            inputs: ["trigger"], outputs: ["Response"])
        let http = TimeoutRecorder()
        _ = try await Self.run(agent, inputs: [("trigger", .string("x"))], http: http)
        let sent = try #require(http.timeouts.first)
        #expect(sent >= .milliseconds(100) && sent <= RunLimits.longestDuration, "timeout \(timeout) became \(sent)")
    }

    @Test func fEncDecBytesFollowJavaScriptToUint8() async throws {
        let agent = try singleComponentAgent(
            type: "FEncDec", data: #"{"action": "Encode", "encoding": "hex"}"#, outputs: ["Output"])
        let values: [JSONValue] = [
            .number(1e308), .number(-1), .number(256), .number(.nan), .number(.infinity), .number(-.infinity),
            .number(-9.3e18), .number(300.7), .number(-9_223_372_036_854_775_808),
        ]
        let result = try await Self.run(agent, inputs: [("data", .array(values))])
        // Node: Buffer.from([1e308, -1, 256, NaN, Infinity, -Infinity, -9.3e18, 300.7, -(2**63)]).toString('hex')
        #expect(result.output.result("Output") == .string("00ff00000000002c00"))
    }

    @Test(arguments: ["NaN", "Infinity", "-Infinity", "1e999", "nan", "inf"])
    func numberAndIntegerInputsRefuseNonFiniteValues(text: String) async throws {
        // An Integer reads text as JavaScript's parseInt does (SRE): "1e999" is 1, its digits
        // before the "e" (InputTypingTests), so only Number sees it as out of range.
        for type in text == "1e999" ? ["Number"] : ["Number", "Integer"] {
            let agent = try AgentLoader.parse(
                Array(
                    #"""
                    {"components": [{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"},
                      "inputs": [{"name": "n", "type": "\#(type)", "index": 0}], "outputs": [{"name": "body", "index": 0, "default": true}]}]}
                    """#.utf8), source: "typed.smyth")
            await #expect(throws: RunError.self) { try await Self.run(agent, inputs: [("n", .string(text))]) }
        }
    }

    @Test(arguments: [
        "1e308", "-1e308", "9223372036854775808", "-9223372036854775808", "123456789012345678901234567890",
    ])
    func hugeFiniteNumbersStayNumbersAndWriteAsJSON(text: String) async throws {
        let agent = try AgentLoader.parse(
            Array(
                #"""
                {"components": [{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"},
                  "inputs": [{"name": "n", "type": "Integer", "index": 0}], "outputs": [{"name": "body", "index": 0, "default": true}]}]}
                """#.utf8), source: "typed.smyth")
        let result = try await Self.run(agent, inputs: [("n", .string(text))])
        let written = JSONWriter.string(result.output)
        #expect(try JSONParser.parse(written) == result.output)
    }

    @Test func jsonWriterWritesNonFiniteNumbersAsNull() throws {
        #expect(
            JSONWriter.string(.array([.number(.nan), .number(.infinity), .number(-.infinity)])) == "[null,null,null]")
        #expect(try JSONParser.parse(JSONWriter.string(.number(1e308))) == .number(1e308))
        #expect(
            try JSONParser.parse(JSONWriter.string(.number(-9_223_372_036_854_775_808)))
                == .number(-9_223_372_036_854_775_808))
    }

    @Test(arguments: [
        ("1e308", JSONValue.number(1e308)), ("-1e308", .number(-1e308)),
        ("-9223372036854775808", .number(-9_223_372_036_854_775_808)),
        ("9223372036854775807", .number(9_223_372_036_854_775_807)), ("1e-400", .number(0)), ("-0", .number(0)),
    ])
    func jsonParserReadsExtremeNumbers(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(arguments: ["1e309", "-1e309", "1e99999999999999999999", "NaN", "Infinity", "-Infinity", "0x10", "1.", "-"])
    func jsonParserRefusesNumbersItCannotHold(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test(arguments: ["1e308", "-1", "9223372036854775807", "99999999999999999999", "-9223372036854775808", "1.5"])
    func connectionIndexesOutOfRangeAreRefusedNotConverted(index: String) throws {
        let text = #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "S", "name": "FSleep", "data": {"delay": "0"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0}]}],
             "connections": [{"sourceId": "E", "sourceIndex": \#(index), "targetId": "S", "targetIndex": \#(index)}]}
            """#
        // Either the file is refused or validation names the connection: no trap either way.
        if let agent = try? AgentLoader.parse(Array(text.utf8), source: "index.smyth") {
            #expect(!AgentValidator.validate(agent).isEmpty)
        }
    }

    @Test(arguments: ["9223372036854775808", "99999999999999999999", "-9223372036854775808", "1e308", "NaN"])
    func logicThresholdsOutOfRangeFireNothing(threshold: String) async throws {
        for (type, key) in [("LogicAtLeast", "minSetInputs"), ("LogicAtMost", "maxSetInputs")] {
            let agent = try singleComponentAgent(
                type: type, data: #"{"\#(key)": "\#(threshold)"}"#, inputs: ["A", "B"],
                outputs: ["Verified", "Unverified"])
            let result = try await Self.run(agent, inputs: [("a", .string("x")), ("b", .string("y"))])
            #expect(result.output.result("Verified") == nil || threshold.hasPrefix("-"))
        }
    }

    @Test(arguments: [
        "items[9223372036854775807]", "items[99999999999999999999]", "items[-1]", "items.9223372036854775808",
    ])
    func hugeIndexesInPathsResolveToNothing(path: String) {
        let value = JSONValue.object(JSONObject([("items", .array([.number(1)]))]))
        guard let parsed = ValuePath(path) else { return }  // refused as a path: fine too
        #expect(ValuePath.follow(parsed.steps[...], in: value) == nil)
    }

    @Test(arguments: ["%n%s%@%d YYYY", "YYYY-MM-DD HH:mm:ss.SSS Z", String(repeating: "YYYY", count: 10_000)])
    func fTimestampFormatsAreNeverFormatStrings(format: String) async throws {
        let agent = try singleComponentAgent(
            type: "FTimestamp", data: JSONWriter.string(.object(JSONObject([("format", .string(format))]))),
            inputs: ["Trigger"], outputs: ["Timestamp"])
        let result = try await Self.run(agent, inputs: [("trigger", .bool(true))])
        let text = try #require(result.output.result("Timestamp")?.stringValue)
        if format.hasPrefix("%") { #expect(text.hasPrefix("%n%s%@%d ")) }
    }

    @Test func safeNumbersClampEveryHostileValue() {
        #expect(SafeNumbers.duration(seconds: .nan) == .zero)
        #expect(SafeNumbers.duration(seconds: -1e308) == .zero)
        #expect(SafeNumbers.duration(seconds: .infinity) == RunLimits.longestDuration)
        #expect(SafeNumbers.duration(seconds: 1e308) == RunLimits.longestDuration)
        #expect(SafeNumbers.duration(seconds: 9.223372036854775807e18) == RunLimits.longestDuration)
        #expect(SafeNumbers.duration(seconds: 1.5) == .milliseconds(1500))
        #expect(SafeNumbers.clamp(1e308, to: 0...10) == 10)
        #expect(SafeNumbers.clamp(.nan, to: 0...10) == 0)
        #expect(SafeNumbers.clamp(-.infinity, to: Int.min...Int.max) == Int.min)
        #expect(SafeNumbers.clamp(9.3e18, to: Int.min...Int.max) == Int.max)
        #expect(
            SafeNumbers.finite("NaN") == nil && SafeNumbers.finite("Infinity") == nil
                && SafeNumbers.finite("1e309") == nil)
        #expect(SafeNumbers.finite(" 1e308 ") == 1e308)
    }
}
