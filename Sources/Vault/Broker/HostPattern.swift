/// Host allow-list entries: `api.example.com` matches itself, `*.example.com` matches any
/// subdomain of example.com (not example.com itself, as in TLS certificates).
public enum HostPattern {
    /// Whether `host` matches `pattern`: an exact name, or `*.example.com` for any subdomain.
    public static func matches(_ pattern: String, host: String) -> Bool {
        let host = host.lowercased()
        let pattern = pattern.lowercased()
        if pattern.hasPrefix("*.") {
            let suffix = pattern.dropFirst(1)  // ".example.com"
            return host.hasSuffix(suffix) && host.count > suffix.count
        }
        return host == pattern
    }

    /// True for `host`, `*.host`, IPv4 and bracketed IPv6 literals; false for anything with a
    /// scheme, path, port or stray wildcard.
    public static func isValid(_ pattern: String) -> Bool {
        var body = Substring(pattern)
        if body.hasPrefix("*.") { body = body.dropFirst(2) }
        if body.hasPrefix("[") && body.hasSuffix("]") { return body.count > 2 }
        guard !body.isEmpty, !body.hasPrefix("."), !body.hasSuffix("."), !body.contains("..") else { return false }
        return body.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
    }
}
