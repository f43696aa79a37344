@testable import OAuthCore

/// FormEncoding: decoding any bytes is stable, and pairs survive encode then decode.
/// Input: NUL-separated strings, read as name, value, name, value, ...
enum FormEncodingTarget {
    static func run(_ bytes: [UInt8]) {
        // Any text decodes; encoding what was decoded and decoding again gives the same pairs.
        let once = decodePairs(text(bytes))
        let twice = decodePairs(FormEncoding.encode(once))
        require(same(once, twice), "decode(encode(decode(x))) != decode(x)")

        // Pairs made of any strings come back exactly.
        let strings = bytes.split(separator: 0, omittingEmptySubsequences: false).map { text($0) }
        var pairs: [(name: String, value: String)] = []
        var index = 0
        while index < strings.count {
            pairs.append((strings[index], index + 1 < strings.count ? strings[index + 1] : ""))
            index += 2
        }
        let encoded = FormEncoding.encode(pairs)
        require(same(FormEncoding.decode(encoded), pairs), "decode(encode(pairs)) != pairs: \(encoded)")
        require(
            encoded.utf8.allSatisfy {
                PercentEncoding.isUnreserved($0) || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "&")
                    || $0 == UInt8(ascii: "=")
            },
            "an encoded form has a raw reserved byte: \(encoded)")
        // The percent-encoding alone round-trips too, for any bytes.
        let raw = Array(bytes)
        require(
            PercentEncoding.decode(PercentEncoding.encodeBytes(raw), plusAsSpace: true) == raw,
            "percent decode(encode(bytes)) != bytes")
    }

    /// FormEncoding.decode, shared with the template target.
    static func decodePairs(_ string: String) -> [(name: String, value: String)] { FormEncoding.decode(string) }

    static func same(_ lhs: [(name: String, value: String)], _ rhs: [(name: String, value: String)]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
