import Foundation

/// How secrets are shown to people: never whole. `••••1234` keeps the last four characters
/// of long secrets so that a user can tell two apart; short ones show nothing at all.
public enum SecretMask {
    /// Masks `secret`; an empty secret stays empty so that "not set" remains visible.
    public static func mask(_ secret: String) -> String {
        if secret.isEmpty { return "" }
        return secret.count >= 16 ? "••••" + secret.suffix(4) : "••••"
    }

    /// Replaces every occurrence of each secret in `text` (raw, percent-encoded, and
    /// doubly encoded as inside a signature base string) by its mask.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var text = text
        for secret in secrets where secret.count >= 4 {
            let once = PercentEncoding.encode(secret)
            let twice = PercentEncoding.encode(once)
            for form in Set([secret, once, twice]) {
                text = text.replacingOccurrences(of: form, with: mask(secret))
            }
        }
        return text
    }
}
