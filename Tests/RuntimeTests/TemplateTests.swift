import Runtime
import Testing

struct TemplateTests {
    static let values: [String: JSONValue] = [
        "q": .string("café & co/2"),
        "n": .number(42),
        "user": .object(
            JSONObject([("name", .string("Ada \"the\" first")), ("tags", .array([.string("x"), .string("y")]))])),
        "raw": .string(#"{"items":[{"id":7}]}"#),
    ]

    static func render(_ text: String, _ context: Template.Context, keys: [String: String] = ["API": "k&y"]) throws
        -> String
    {
        try Template(text).render(
            context,
            value: { path in
                values[path.root].flatMap { ValuePath.follow(path.rest, in: $0) }
            }, key: { keys[$0] })
    }

    @Test func pathsAndKeysResolve() throws {
        #expect(
            try Self.render("Hi {{user.name}}, tag {{ user.tags[1] }}, id {{raw.items[0].id}}", .plain)
                == "Hi Ada \"the\" first, tag y, id 7")
        #expect(try Self.render("{{KEY(API)}}", .plain) == "k&y")
        #expect(try Self.render("{{user.tags}}", .plain) == #"["x","y"]"#)
    }

    @Test func urlValuesArePercentEncoded() throws {
        #expect(
            try Self.render("https://api.example.com/search/{{q}}?q={{q}}&n={{n}}&k={{KEY(API)}}", .url)
                == "https://api.example.com/search/caf%C3%A9%20%26%20co/2?q=caf%C3%A9%20%26%20co%2F2&n=42&k=k%26y")
    }

    @Test func aBaseURLPlaceholderIsNotEncoded() throws {
        let rendered = try Template("{{base}}/items/{{q}}").render(
            .url,
            value: { path in
                path.root == "base" ? .string("http://127.0.0.1:8900/v1") : .string("a b")
            }, key: { _ in nil })
        #expect(rendered == "http://127.0.0.1:8900/v1/items/a%20b")
    }

    @Test func jsonValuesAreEscapedInStringsAndWrittenAsJSONOutside() throws {
        let body = try Self.render(#"{"name": "{{user.name}}", "n": {{n}}, "user": {{user}}, "s": "a\"{{q}}"}"#, .json)
        #expect(
            body
                == #"{"name": "Ada \"the\" first", "n": 42, "user": {"name":"Ada \"the\" first","tags":["x","y"]}, "s": "a\"café & co/2"}"#
        )
        #expect(try JSONParser.parse(body)["name"] == .string("Ada \"the\" first"))
    }

    @Test func unresolvedPlaceholdersAreErrorsNotEmptyStrings() {
        #expect(throws: TemplateError.unresolved("{{missing}}")) { try Self.render("a{{missing}}b", .plain) }
        #expect(throws: TemplateError.unresolved("{{user.age}}")) { try Self.render("{{user.age}}", .plain) }
        #expect(throws: TemplateError.unknownKey("NOPE", placeholder: "{{KEY(NOPE)}}")) {
            try Self.render("{{KEY(NOPE)}}", .plain)
        }
        #expect(throws: TemplateError.malformed("{{a..b}}")) { try Template("x {{a..b}}") }
        #expect(throws: TemplateError.lineBreakInHeader) {
            try Template("{{v}}").render(.plain, value: { _ in .string("a\r\nX-Injected: 1") }, key: { _ in nil })
        }
    }

    @Test func referencedNamesAreListedForValidation() throws {
        let template = try Template("{{a}} {{b.c[0]}} {{KEY(K)}} {{ a }}")
        #expect(template.referencedNames == ["a", "b", "a"])
        #expect(template.referencedKeys == ["K"])
        #expect(try Template("no placeholders, {single} braces").isConstant)
    }
}
