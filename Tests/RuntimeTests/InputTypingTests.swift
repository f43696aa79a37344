import Foundation
import Runtime
import TestSupport
import Testing

/// SRE's input typing, checked with SRE's own test agent (`general-unit-tests.smyth`) and the
/// expectations of its `strong-data-typing.test.ts` (cases T1–T4), plus the rules those tests
/// leave implicit (SRE's `TypeChecker.helper.ts`).
struct InputTypingTests {
    static func body(_ endpoint: String, _ inputs: [(String, JSONValue)]) async throws -> JSONObject {
        let result = try await runAgent(try fixture("general-unit-tests.smyth"), endpoint: endpoint, inputs: inputs)
        // The endpoint is the agent's only leaf: {id, name, result: {headers, body, query}}.
        return try #require(result.objectValue?["result"]?.objectValue?["body"]?.objectValue, "\(result)")
    }

    /// T1, the nominal case (the binary URL is left out: Keyflow has no file store).
    @Test func receivedValuesAreTypedAsSREDoes() async throws {
        let body = try await Self.body(
            "test_strong_typing",
            [
                ("any", .string("some data")), ("string", .string("Hello world")), ("number", .string("1337.42")),
                ("integer", .string("42")), ("boolean", .string("true")), ("array", .string("[1,2,3]")),
                ("object", .string(#"{"key":"value"}"#)), ("date", .string("2026-12-02T10:11:12.345Z")),
            ])
        #expect(body["string"] == .string("Hello world") && body["any"] == .string("some data"))
        #expect(body["number"] == .number(1337.42) && body["integer"] == .number(42))
        #expect(body["boolean"] == .bool(true))
        #expect(body["array"] == .array([.number(1), .number(2), .number(3)]))
        #expect(body["object"] == .object(JSONObject([("key", .string("value"))])))
        #expect(body["date"] == .string("2026-12-02T10:11:12.345Z"))
    }

    /// T2: text that is not JSON becomes an array at its commas.
    @Test func commaTextIsAnArray() async throws {
        let body = try await Self.body(
            "test_strong_typing", [("any", .string("some data")), ("array", .string("a,b,c"))])
        #expect(body["array"] == .array([.string("a"), .string("b"), .string("c")]))
    }

    /// T3: each invalid value fails the endpoint with SRE's message.
    @Test(arguments: [
        ("number", "Invalid Number value"), ("integer", "Invalid Integer value"),
        ("boolean", "Invalid Boolean value"), ("object", "Invalid Object value"), ("date", "Invalid Date value"),
    ])
    func invalidValuesAreErrors(input: String, message: String) async throws {
        await #expect {
            _ = try await runAgent(
                try fixture("general-unit-tests.smyth"), endpoint: "test_strong_typing",
                inputs: [(input, .string("abc"))])
        } throws: { error in
            String(describing: error).contains(message) && String(describing: error).contains(input)
        }
    }

    /// T4: defaults are typed like received values (`"123"` is the number 123, the repaired
    /// `{message:"hello world"}` an object, `01/20/2024` a local-time date).
    @Test func defaultsAreTypedLikeReceivedValues() async throws {
        let body = try await Self.body("test_strong_typing_default_vals", [])
        #expect(body["string"] == .string("Hello world"))
        #expect(body["number"] == .number(123) && body["integer"] == .number(1234))
        #expect(body["boolean"] == .bool(true))
        #expect(body["array"] == .array(["a", "b", "c", "d"].map(JSONValue.string)))
        #expect(body["object"] == .object(JSONObject([("message", .string("hello world"))])))
        // SRE's test expects 2024-01-19T23:00:00.000Z, which holds at UTC+1: midnight local time.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let midnight = try #require(calendar.date(from: DateComponents(year: 2024, month: 1, day: 20)))
        #expect(body["date"] == .string(SmythDateFormat.iso(midnight)))
    }

    /// The rules behind the cases: JavaScript's number parsing, the falsy values left alone,
    /// text that looks like a JSON object read as one by the endpoint whatever the type.
    @Test func theRulesBehindTheCases() async throws {
        let body = try await Self.body(
            "test_strong_typing",
            [
                ("number", .string(" 12abc")), ("integer", .string("0x1A")), ("boolean", .string("FALSE")),
                ("string", .string("null")), ("any", .string(#"{"a": 1}"#)), ("date", .string("1705708800000")),
                ("object", .string(#"Here: {"a":1} ok"#)), ("array", .string("")),
            ])
        #expect(body["number"] == .number(12) && body["integer"] == .number(26) && body["boolean"] == .bool(false))
        #expect(body["string"] == .string(""))
        #expect(body["any"] == .object(JSONObject([("a", .number(1))])))
        #expect(body["date"] == .string("2024-01-20T00:00:00.000Z"))
        #expect(body["object"] == .object(JSONObject([("a", .number(1))])))
        #expect(body["array"] == .string(""))  // falsy: not converted
    }
}

extension InputTypingTests {
    /// Types apply to every component's inputs, as SRE's Component.process does, not only to
    /// the endpoint's: here APIOutput's, received and default.
    @Test func everyComponentsDeclaredTypesApply() async throws {
        let text = #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "inputs": [{"name": "v", "index": 0}],
               "outputs": [{"name": "body.v", "index": 0}]},
              {"id": "O", "name": "APIOutput", "data": {"format": "minimal"},
               "inputs": [{"name": "v", "index": 0, "type": "Integer"}, {"name": "d", "index": 1, "type": "Number", "defaultVal": "7.5"}],
               "outputs": [{"name": "Output", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}]}
            """#
        let agent = try AgentLoader.parse(Array(text.utf8), source: "typed.smyth")
        let output = try await runAgent(agent, inputs: [("v", .string("42.9"))])
        #expect(output == .object(JSONObject([("v", .number(42)), ("d", .number(7.5))])), "\(output)")
        await #expect {
            _ = try await runAgent(agent, inputs: [("v", .string("abc"))])
        } throws: { String(describing: $0).contains("Invalid Integer value for input v") }
    }
}

extension InputTypingTests {
    /// Typing reads what callers send: hostile text of every shape (unbalanced brackets, quotes,
    /// huge digit runs, odd dates) must give a value or a clear error, never trap. Seeded.
    @Test func hostileTextNeverTraps() async throws {
        var generator = SeededGenerator(seed: 20_261_202)
        let pieces = [
            "{", "}", "[", "]", "'", "\"", ":", ",", "a", "message", "0x", "1e", "999999999999999999999", "-", ".",
            " ", "\\", "é", "2024", "/", "-01", "T", "Z", "+02:00", "null", "undefined", "true", "NaN", "$", "_",
        ]
        let types = ["Number", "Integer", "Boolean", "Array", "Object", "Date", "String", "Any", "Binary"]
        let endpoint = try fixture("general-unit-tests.smyth")
        for _ in 0..<400 {
            let text = (0..<Int.random(in: 1...24, using: &generator)).map { _ in
                pieces.randomElement(using: &generator) ?? ""
            }.joined()
            let input = types.randomElement(using: &generator)?.lowercased() ?? "any"
            // Either a typed value or an error that names the input; the run never crashes.
            do {
                _ = try await runAgent(endpoint, endpoint: "test_strong_typing", inputs: [(input, .string(text))])
            } catch {
                #expect(String(describing: error).contains("Invalid"), "\(input) \(text): \(error)")
            }
        }
    }
}

/// The ISO form SRE gives a date: UTC, with milliseconds.
enum SmythDateFormat {
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
