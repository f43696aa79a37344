import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636): a one-time secret verifier sent with the token
/// request, and its S256 challenge sent with the authorization request. `plain` is never
/// offered: it protects nothing once the authorization request leaks.
public struct PKCE: Sendable, Equatable {
    /// The `code_verifier`: 43 to 128 unreserved characters.
    public let verifier: String

    /// The only method Keyflow uses.
    public static let method = "S256"

    /// A fresh verifier of `length` characters (43...128) drawn uniformly from the 66
    /// unreserved characters by the system's secure generator (about 6 bits each).
    public init(length: Int = 64) {
        verifier = SecureRandom.string(length: min(max(length, 43), 128), alphabet: PKCE.alphabet)
    }

    /// Wraps a verifier received earlier; nil when it breaks RFC 7636 section 4.1.
    public init?(verifier: String) {
        guard (43...128).contains(verifier.utf8.count), verifier.utf8.allSatisfy(PercentEncoding.isUnreserved) else {
            return nil
        }
        self.verifier = verifier
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))` without padding.
    public var challenge: String {
        Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))
    }

    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
}
