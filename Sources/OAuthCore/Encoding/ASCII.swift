/// ASCII case helpers for protocol tokens (methods, schemes, hosts, header names), which
/// are ASCII by definition: they skip the Unicode machinery of `lowercased()` and, in the
/// common case where nothing changes, return the string itself without allocating. Non-ASCII
/// input goes through the standard library, as before.
public enum ASCII {
    /// `string` with ASCII letters lower-cased; the string itself when nothing changes.
    public static func lowercased(_ string: String) -> String {
        guard string.utf8.contains(where: { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || $0 >= 0x80 }) else {
            return string
        }
        return string.lowercased()
    }

    /// `string` with ASCII letters upper-cased; the string itself when nothing changes.
    public static func uppercased(_ string: String) -> String {
        guard string.utf8.contains(where: { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 >= 0x80 }) else {
            return string
        }
        return string.uppercased()
    }

    /// True when `string` equals `lowercase` (which must be lower-case ASCII) ignoring case.
    public static func equalsIgnoringCase(_ string: String, _ lowercase: String) -> Bool {
        string.utf8.count == lowercase.utf8.count
            && zip(string.utf8, lowercase.utf8).allSatisfy { byte, expected in
                byte == expected || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") && byte | 0x20 == expected)
            }
    }
}
