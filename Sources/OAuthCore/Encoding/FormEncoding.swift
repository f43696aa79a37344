/// `application/x-www-form-urlencoded`, the encoding of URL queries, OAuth token requests
/// and OAuth 1.0a form bodies.
public enum FormEncoding {
    /// Splits `name=value&...` into raw (still encoded) byte pairs. Empty segments (`a&&b`)
    /// are skipped and a segment without `=` is a name with an empty value, as
    /// RFC 5849 section 3.4.1.3.1 and the common parsers treat them.
    public static func rawPairs<C: Collection>(_ bytes: C) -> [(name: C.SubSequence, value: C.SubSequence)]
    where C.Element == UInt8 {
        var pairs: [(name: C.SubSequence, value: C.SubSequence)] = []
        forEachRawPair(bytes) { pairs.append(($0, $1)) }
        return pairs
    }

    /// `rawPairs` without building an array: calls `body` with each raw name and value.
    @inlinable
    public static func forEachRawPair<C: Collection>(_ bytes: C, _ body: (C.SubSequence, C.SubSequence) -> Void)
    where C.Element == UInt8 {
        var start = bytes.startIndex
        while start != bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            if start != end {
                let segment = bytes[start..<end]
                if let equals = segment.firstIndex(of: UInt8(ascii: "=")) {
                    body(bytes[start..<equals], bytes[bytes.index(after: equals)..<end])
                } else {
                    body(segment, bytes[end..<end])
                }
            }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
    }

    /// Decodes a form string into name/value pairs, keeping order and duplicates.
    public static func decode(_ string: String) -> [(name: String, value: String)] {
        rawPairs(Array(string.utf8)).map {
            (
                String(decoding: PercentEncoding.decode($0.name, plusAsSpace: true), as: UTF8.self),
                String(decoding: PercentEncoding.decode($0.value, plusAsSpace: true), as: UTF8.self)
            )
        }
    }

    /// The pairs of a form or query string by name; a repeated name keeps its first value
    /// (a second `state` or `code` appended to a callback cannot replace the real one).
    public static func fields(_ string: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in decode(string) where fields[pair.name] == nil { fields[pair.name] = pair.value }
        return fields
    }

    /// Encodes pairs as `name=value&...` with RFC 3986 encoding (a space is `%20`, which every
    /// form decoder accepts and which, unlike `+`, survives decoders that only unquote).
    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        var out = [UInt8]()
        for (offset, pair) in pairs.enumerated() {
            if offset > 0 { out.append(UInt8(ascii: "&")) }
            PercentEncoding.append(pair.name.utf8, to: &out)
            out.append(UInt8(ascii: "="))
            PercentEncoding.append(pair.value.utf8, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
