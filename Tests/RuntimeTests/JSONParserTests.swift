import Foundation
import Runtime
import Testing

struct JSONParserTests {
    @Test func parsesWhatJSONSerializationParsesAndKeepsKeyOrder() throws {
        let text = #"{"z": 1, "a": [true, false, null, -0.5, 1e3, "\u00e9\ud83d\ude00\n\"x\""], "m": {"k": {}}}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["a"]?.arrayValue?[5] == .string("é😀\n\"x\""))
        #expect(value["a"]?.arrayValue?[4] == .number(1000))
        #expect(try JSONParser.parse(JSONWriter.string(value)) == value)
        #expect(JSONWriter.string(value).hasPrefix(#"{"z":1,"a":[true,false,null,-0.5,1000,"#))
    }

    @Test(arguments: [
        ("{\"a\": [1, 2", "line 1, column 12: unexpected end of file inside an array"),
        ("{\n  \"a\": tru\n}", "line 2, column 8: unexpected character 't'"),
        ("{\"a\" 1}", "line 1, column 6: expected : after the key \"a\""),
        ("[1,]", "line 1, column 4: unexpected character ']'"),
        ("{} x", "line 1, column 4: unexpected text after the JSON value"),
        ("\"a\tb\"", "line 1, column 3: a control character inside a string (escape it as \\u00XX)"),
        ("01", "line 1, column 2: unexpected text after the JSON value"),
        ("", "line 1, column 1: unexpected end of file (the file is truncated?)"),
    ])
    func errorsSayWhereAndWhy(text: String, expected: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
        do { _ = try JSONParser.parse(text) } catch { #expect(error.description == expected) }
    }

    @Test func hostileNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
    }
}
