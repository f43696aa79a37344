import Runtime
import Testing

/// JSONObject's order rules, unchanged by its OrderedDictionary storage.
struct JSONObjectTests {
    @Test func aRepeatedKeyKeepsItsFirstPositionAndItsLastValue() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": 2, "b": 3}"#)
        #expect(value.objectValue?.keys == ["b", "a"])
        #expect(value["b"] == .number(3))
        #expect(JSONObject([("x", .null), ("y", .bool(true)), ("x", .string("last"))]).keys == ["x", "y"])
    }

    @Test func removingAKeyKeepsTheOrderOfTheOthers() {
        for size in [5, 40] {  // a small object and one past the size where lookups are hashed
            var object = JSONObject((0..<size).map { ("k\($0)", .number(Double($0))) })
            object["k2"] = nil
            object["k3"] = .string("changed")
            object["new"] = .null
            #expect(object.keys == (0..<size).filter { $0 != 2 }.map { "k\($0)" } + ["new"])
            #expect(object["k3"] == .string("changed") && object["k2"] == nil && object["k\(size - 1)"] != nil)
            #expect(object.count == size && object.map(\.key) == object.keys)
        }
    }

    @Test func equalityAndHashIgnoreKeyOrder() {
        let one = JSONObject([("a", .number(1)), ("b", .array([.null]))])
        let other = JSONObject([("b", .array([.null])), ("a", .number(1))])
        #expect(one == other && one.hashValue == other.hashValue)
        #expect(one != JSONObject([("a", .number(1))]))
        #expect(one != JSONObject([("a", .number(2)), ("b", .array([.null]))]))
        #expect(JSONObject().isEmpty && !one.isEmpty)
    }
}
