import Foundation

/// Base64url without padding (RFC 4648 section 5), as PKCE challenges, session ids, CSRF
/// tokens and Node's `base64url` use it. The one encoder in Keyflow.
public enum Base64URL {
    /// Encodes `bytes` with `-` and `_` in place of `+` and `/`, and no `=` padding.
    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
