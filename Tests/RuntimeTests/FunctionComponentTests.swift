import Foundation
import Runtime
import Testing

/// `functions-components.smyth` and the function components, compared with the values Node's
/// crypto gives (computed with node v20; see docs/smythos-runtime-notes.md §4 and §7.2).
struct FunctionComponentTests {
    @Test(arguments: [
        ("hash", "Hello World", "Hash", "b10a8db164e0754105b7a99be72e3fe5"),
        ("hash", "", "Hash", "d41d8cd98f00b204e9800998ecf8427e"),
        ("hash", "héllo ✓", "Hash", "21b1ae5bc147bb564254200a4731e337"),
        ("hash", "The quick brown fox jumps over the lazy dog", "Hash", "9e107d9d372bb6826bd81d3542a419d6"),
        ("enc", "Hello World", "Output", "48656c6c6f20576f726c64"),
        ("enc", "héllo ✓", "Output", "68c3a96c6c6f20e29c93"),
        ("dec", "48656c6c6f20576f726c64", "Output", "Hello World"),
        ("dec", "48656C6C6F", "Output", "Hello"),
        ("dec", "c3a9", "Output", "é"),
        ("dec", "4865zz6c6f", "Output", "He"),
        ("dec", "486", "Output", "H"),
        ("dec", "ff", "Output", "\u{FFFD}"),
    ])
    func theFixtureGivesNodesValues(endpoint: String, data: String, output: String, expected: String) async throws {
        let result = try await runAgent(
            try fixture("functions-components.smyth"), endpoint: endpoint, inputs: [("data", .string(data))])
        #expect(result.result(output) == .string(expected))
    }

    @Test func timestampIsMillisecondsSince1970() async throws {
        let before = Date().timeIntervalSince1970 * 1000
        let result = try await runAgent(try fixture("functions-components.smyth"), endpoint: "timestamp")
        let stamp = try #require(result.result("Timestamp")?.numberValue)
        #expect(stamp >= before.rounded(.down) && stamp <= Date().timeIntervalSince1970 * 1000 + 1)
        #expect(result["name"] == .string("FTimestamp"))
    }

    @Test func aMissingInputRunsNothingAndGivesAnEmptyResult() async throws {
        #expect(try await runAgent(try fixture("functions-components.smyth"), endpoint: "hash") == .array([]))
    }

    @Test func nonStringDataFailsLikeNode() async throws {
        await #expect(throws: RunError.self) {
            try await runAgent(
                try fixture("functions-components.smyth"), endpoint: "hash", inputs: [("data", .number(123))])
        }
        do {
            _ = try await runAgent(
                try fixture("functions-components.smyth"), endpoint: "hash", inputs: [("data", .number(123))])
        } catch {
            #expect(String(describing: error).contains("Received type number (123)"))
            #expect(String(describing: error).contains("CLYQPM7QOHE “MD5 :: hex”"))
        }
    }

    @Test(arguments: [
        ("sha1", "hex", "0a4d55a8d778e5022fab701977c5d840bbc486d0"),
        ("sha256", "base64", "pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4="),
        ("md5", "base64url", "sQqNsWTgdUEFt6mb5y4_5Q"),
        ("sha3-256", "hex", "e167f68d6563d75bb25f3aa49c29ef612d41352dc00606de7cbd630bb2665f51"),
        (
            "sha512", "hex",
            "2c74fd17edafd80e8447b0d46741ee243b7eb74dd2149a0ab1b9246fb30382f27e853d8585719e0e67cbda0daa8f51671064615d645ae27acb15bfb1447f459b"
        ),
        ("md5", "latin1", "±\n\u{8D}±dàuA\u{05}·©\u{9B}ç.?å"),
    ])
    func fHashAlgorithmsAndEncodings(algorithm: String, encoding: String, expected: String) async throws {
        let agent = try singleComponentAgent(
            type: "FHash", data: #"{"algorithm": "\#(algorithm)", "encoding": "\#(encoding)"}"#, outputs: ["Hash"])
        #expect(
            try await runAgent(agent, inputs: [("data", .string("Hello World"))]).result("Hash") == .string(expected))
    }

    @Test(arguments: [
        ("md5", "hex", JSONValue.string("Hello World"), "6b3bb4427589dde1f9875a3793bc2062"),
        ("md5", "base64", .string("Hello World"), "azu0QnWJ3eH5h1o3k7wgYg=="),
        ("sha1", "hex", .string("Hello World"), "858da8837b87f04b052c0f6e954c3f7bbe081164"),
        ("sha256", "base64", .string("Hello World"), "gs4NL4IfoM5UR7ITBvIUyZJA/sxjh3eddRUUi73QxBU="),
        ("md5", "hex", .object(JSONObject([("test", .string("data to sign"))])), "c2c8fee496598d8a37c576783f1664ac"),
    ])
    func fSignHMACMatchesNode(hash: String, encoding: String, data: JSONValue, expected: String) async throws {
        let agent = try singleComponentAgent(
            type: "FSign",
            data:
                #"{"signMethod": "HMAC", "dataTransform": "Stringify", "key": "", "hashType": "\#(hash)", "encoding": "\#(encoding)"}"#,
            inputs: ["Data", "Key"], outputs: ["Signature"])
        let result = try await runAgent(agent, inputs: [("data", data), ("key", .string("secret"))])
        #expect(result.result("Signature") == .string(expected))
    }

    @Test func fSignTakesItsKeyFromTheVaultWhenNoneIsWired() async throws {
        let agent = try singleComponentAgent(
            type: "FSign",
            data: #"{"signMethod": "HMAC", "key": "{{KEY(SIGNING)}}", "hashType": "md5", "encoding": "hex"}"#,
            outputs: ["Signature"])
        let result = try await runAgent(agent, inputs: [("data", .string("Hello World"))], keys: ["SIGNING": "secret"])
        #expect(result.result("Signature") == .string("6b3bb4427589dde1f9875a3793bc2062"))
    }

    @Test(arguments: [
        ("Encode", "base64", "héllo", "aMOpbGxv"), ("Decode", "base64url", "aMOpbGxv", "héllo"),
        ("Decode", "base64", "aMOpbGxv", "héllo"), ("Encode", "latin1", "héllo", "hÃ©llo"),
    ])
    func fEncDecEncodings(action: String, encoding: String, data: String, expected: String) async throws {
        let agent = try singleComponentAgent(
            type: "FEncDec", data: #"{"action": "\#(action)", "encoding": "\#(encoding)"}"#, outputs: ["Output"])
        #expect(try await runAgent(agent, inputs: [("data", .string(data))]).result("Output") == .string(expected))
    }

    @Test func jsonFilterKeepsNamesAtEveryDepth() async throws {
        let agent = try singleComponentAgent(
            type: "JSONFilter", data: #"{"fields": "items, id"}"#, inputs: ["Input"], outputs: ["Output"])
        let input = try JSONParser.parse(
            #"{"id":1,"name":"a","user":{"name":"u","id":9},"items":[{"id":1,"x":2},{"id":2,"name":"n"}]}"#)
        #expect(
            try await runAgent(agent, inputs: [("input", input)]).result("Output")
                == (try JSONParser.parse(#"{"id":1,"items":[{"id":1},{"id":2}]}"#)))
    }

    @Test(arguments: [
        ("LogicAND", "{}", ["a": JSONValue.string("x"), "b": .number(1)], true),
        ("LogicAND", "{}", ["a": .string("x"), "b": .number(0)], false),
        ("LogicOR", "{}", ["a": .string(""), "b": .bool(true)], true),
        ("LogicXOR", "{}", ["a": .string("x"), "b": .bool(true)], false),
        ("LogicAtLeast", #"{"minSetInputs": "2"}"#, ["a": .string("x"), "b": .string("false")], true),
        ("LogicAtMost", #"{"maxSetInputs": "1"}"#, ["a": .string("x"), "b": .array([])], false),
    ])
    func logicComponentsUseJavaScriptTruthiness(type: String, data: String, values: [String: JSONValue], verified: Bool)
        async throws
    {
        let agent = try singleComponentAgent(
            type: type, data: data, inputs: ["A", "B"], outputs: ["Verified", "Unverified"])
        let result = try await runAgent(agent, inputs: [("a", values["a"] ?? .null), ("b", values["b"] ?? .null)])
        #expect(result.result(verified ? "Verified" : "Unverified") == .bool(true))
        #expect(result.result(verified ? "Unverified" : "Verified") == nil)
    }
}

/// ForEach runs the branch behind `Loop` once per item and collects its results.
struct ForEachTests {
    static func agent(format: String) throws -> Agent {
        try AgentLoader.parse(
            Array(
                #"""
                {"components": [
                  {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}, {"name": "body.items", "index": 1}]},
                  {"id": "F", "name": "ForEach", "data": {"format": "\#(format)"}, "inputs": [{"name": "Input", "index": 0}],
                   "outputs": [{"name": "Loop", "index": 0}, {"name": "Result", "index": 1}]},
                  {"id": "H", "name": "FHash", "data": {"algorithm": "md5", "encoding": "hex"}, "inputs": [{"name": "Data", "index": 0}], "outputs": [{"name": "Hash", "index": 0, "default": true}]},
                  {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "hashes", "index": 0}]}],
                 "connections": [
                  {"sourceId": "E", "sourceIndex": 1, "targetId": "F", "targetIndex": 0},
                  {"sourceId": "F", "sourceIndex": 0, "targetId": "H", "targetIndex": 0},
                  {"sourceId": "F", "sourceIndex": 1, "targetId": "O", "targetIndex": 0}]}
                """#.utf8), source: "foreach.smyth")
    }

    @Test func eachItemRunsTheLoopBranch() async throws {
        let items = JSONValue.array([.string("Hello World"), .string("")])
        let full = try await runAgent(try Self.agent(format: "full"), inputs: [("items", items)])
        let entries = try #require(full["hashes"]?.arrayValue)
        #expect(entries.count == 2)
        #expect(
            entries[0]["id"] == .string("H") && entries[0].result("Hash") == .string("b10a8db164e0754105b7a99be72e3fe5")
        )
        #expect(entries[1].result("Hash") == .string("d41d8cd98f00b204e9800998ecf8427e"))
        let minimal = try await runAgent(try Self.agent(format: "minimal"), inputs: [("items", .string("a,b"))])
        #expect(
            minimal["hashes"]
                == .array([
                    .object(JSONObject([("Hash", .string("0cc175b9c0f1b6a831c399e269772661"))])),
                    .object(JSONObject([("Hash", .string("92eb5ffee6ae2fec3ad71c777531578f"))])),
                ]))
        let flat = try await runAgent(try Self.agent(format: "results-array"), inputs: [("items", .array([]))])
        #expect(flat["hashes"] == .array([]))
    }
}
