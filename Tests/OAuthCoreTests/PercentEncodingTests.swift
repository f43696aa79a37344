import OAuthCore
import TestSupport
import Testing

struct PercentEncodingTests {
    @Test func unreservedCharactersStay() {
        let unreserved = "ABCXYZabcxyz0189-._~"
        #expect(PercentEncoding.encode(unreserved) == unreserved)
    }

    @Test(arguments: [
        (" ", "%20"), ("+", "%2B"), ("*", "%2A"), ("/", "%2F"), ("=", "%3D"), ("&", "%26"), ("%", "%25"),
        ("!", "%21"), ("'", "%27"), ("(", "%28"), ("é", "%C3%A9"), ("✓", "%E2%9C%93"), ("😀", "%F0%9F%98%80"),
        ("a b+c", "a%20b%2Bc"), ("", ""),
    ])
    func reservedAndUnicodeAreEncodedAsUTF8(input: String, expected: String) {
        #expect(PercentEncoding.encode(input) == expected)
    }

    @Test func decodingHandlesPlusAndBrokenEscapes() {
        #expect(PercentEncoding.decode(Array("a+b%20c".utf8), plusAsSpace: true) == Array("a b c".utf8))
        #expect(PercentEncoding.decode(Array("a+b".utf8), plusAsSpace: false) == Array("a+b".utf8))
        #expect(PercentEncoding.decode(Array("100%".utf8), plusAsSpace: true) == Array("100%".utf8))
        #expect(PercentEncoding.decode(Array("%zz%4".utf8), plusAsSpace: true) == Array("%zz%4".utf8))
        #expect(PercentEncoding.decode(Array("%e2%9c%93".utf8), plusAsSpace: true) == Array("✓".utf8))
    }

    @Test func formRoundTripKeepsOrderDuplicatesAndEmptyValues() {
        let pairs: [(name: String, value: String)] = [("a", "1"), ("a", ""), ("b c", "d&e=f"), ("ü", "✓")]
        let encoded = FormEncoding.encode(pairs)
        #expect(encoded == "a=1&a=&b%20c=d%26e%3Df&%C3%BC=%E2%9C%93")
        let decoded = FormEncoding.decode(encoded)
        #expect(decoded.map(\.name) == pairs.map(\.name))
        #expect(decoded.map(\.value) == pairs.map(\.value))
        #expect(FormEncoding.decode("x&&y=2").map(\.name) == ["x", "y"])
    }
}
