/// Comparison of secrets (OAuth `state`, temporary tokens, MACs, CSRF tokens) whose time does
/// not depend on where the inputs differ, so a secret can't be guessed byte by byte from
/// response times. The one implementation in Keyflow; every module compares secrets with it.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes; every byte is read whatever the outcome.
    /// Lengths are not secret here (tokens have a fixed length), so a length mismatch returns early.
    public static func isEqual<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Whether two strings have the same UTF-8 bytes, compared as ``isEqual(_:_:)`` does.
    public static func isEqual(_ a: String, _ b: String) -> Bool {
        isEqual(Array(a.utf8), Array(b.utf8))
    }
}
