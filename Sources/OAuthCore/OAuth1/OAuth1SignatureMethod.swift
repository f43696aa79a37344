/// The four signature methods of RFC 5849 section 3.4 and its HMAC-SHA256 successor.
public enum OAuth1SignatureMethod: String, Sendable, CaseIterable, Codable {
    case hmacSHA1 = "HMAC-SHA1"
    case hmacSHA256 = "HMAC-SHA256"
    case rsaSHA1 = "RSA-SHA1"
    case plaintext = "PLAINTEXT"

    /// Parses a method name case-insensitively, as users type it.
    public init?(name: String) {
        guard let method = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame })
        else { return nil }
        self = method
    }
}
