import Runtime
import Testing

/// Inputs the libFuzzer targets found (Fuzz/README.md), fed to the code path that failed.
struct FuzzRegressionTests {
    /// Renders `{"v": "{{v}}"}` in the JSON context and reads `v` back.
    static func roundTripInJSONString(_ value: String) throws -> JSONValue? {
        let rendered = try Template(#"{"v": "{{v}}"}"#).render(.json, value: { _ in .string(value) }, key: { _ in nil })
        return try JSONParser.parse(rendered)["v"]
    }

    /// Template target : escaping a value for a JSON string cut the
    /// quotes off by Character, so a value that starts with a combining mark (which joins the
    /// opening quote into one Character) lost that mark.
    @Test func aValueStartingWithACombiningMarkKeepsItInAJSONString() throws {
        #expect(try Self.roundTripInJSONString("\u{301}x") == .string("\u{301}x"))
    }

    /// The same at the other end: a value that ends with a prepended mark (U+0600, which joins
    /// the closing quote) lost that mark.
    @Test func aValueEndingWithAPrependMarkKeepsItInAJSONString() throws {
        #expect(try Self.roundTripInJSONString("x\u{600}") == .string("x\u{600}"))
    }

    /// Found through the `llm-response` target: Foundation's DateFormatter traps on a letter
    /// with a combining mark (`M\u{343}`) under an `EEE` pattern, and SRE's date typing tries
    /// `EEE MMM dd yyyy` on a Date input, so any caller of an endpoint with a Date input could
    /// kill `keyflow serve`. Now it is the typing error that names the input.
    @Test func aDateInputWithACombiningMarkIsATypingErrorNotATrap() async throws {
        let agent = try AgentLoader.parse(
            Array(
                #"""
                {"components": [{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"},
                  "inputs": [{"name": "when", "type": "Date", "index": 0}],
                  "outputs": [{"name": "body", "index": 0, "default": true}]}]}
                """#.utf8), source: "date.smyth")
        let prepared = try AgentPreparer.prepare(agent)
        await #expect(throws: RunError.self) {
            _ = try await Executor(agent: prepared).run(
                endpoint: nil, inputs: JSONObject([("when", .string("M\u{343}"))]), context: RunEnvironment())
        }
    }

    /// Template target (Fuzz/regressions/template/constant-header-with-cr): a header value
    /// without placeholders skipped the line-break check, so a CR or LF went into the header.
    @Test func aConstantHeaderValueWithALineBreakIsRefused() {
        #expect(throws: TemplateError.lineBreakInHeader) {
            try Template("X: a\r\nInjected: 1").render(.plain, value: { _ in nil }, key: { _ in nil })
        }
        #expect(throws: TemplateError.lineBreakInHeader) {
            try Template("{{KEY(Ger\": 1,\r1.5, \"}").render(.plain, value: { _ in nil }, key: { _ in nil })
        }
    }

    /// Template target (Fuzz/regressions/template/line-feed-before-combining-mark): the
    /// line-break check searched by Character, and an LF followed by a combining mark
    /// (U+0301) is one Character that is not "\n", so the LF went into the header.
    @Test func aLineFeedJoinedByACombiningMarkIsStillALineBreak() {
        let source = String(decoding: [0x9b, 0xb4, 0x0a, 0xcc, 0x81] as [UInt8], as: UTF8.self)
        #expect(throws: TemplateError.lineBreakInHeader) {
            try Template(source).render(.plain, value: { _ in nil }, key: { _ in nil })
        }
        #expect(throws: TemplateError.lineBreakInHeader) {
            try Template("a{{v}}").render(.plain, value: { _ in .string("\r\u{301}") }, key: { _ in nil })
        }
    }
}
