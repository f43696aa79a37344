import OAuthCore
import Synchronization

/// What the authorizer needs to authorize one request with a connection, kept in memory
/// while the token is valid so that a request with a cached token reads nothing from the
/// vault and opens nothing sealed.
///
/// Why it can be trusted: an entry is dropped when its token comes within the broker's skew
/// of expiry, when an API answers 401 to it, and when the connection's `version` (bumped by
/// every write, in any process) is no longer the one it was read at. The version is checked
/// with one `SELECT version` (no decryption) after any write made by this process, and at
/// most `Policy.revalidateAfter` seconds after the last check for writes made by others
/// (another process's refresh, edit or sign-out), so those are seen within that delay.
/// The price: the decrypted credential (for OAuth 1.0a, the consumer secret too) stays in
/// this process's memory while it is cached, instead of only during one request.
public struct CachedAuthorization: Sendable {
    /// The credential itself (a Bearer header, or OAuth 1.0a credentials).
    public let credential: Credential
    /// The connection's name, for messages.
    public let name: String
    /// The hosts the credential may be sent to, as the connection lists them.
    public let allowedHosts: [String]
    /// The same entries parsed once into the origins (scheme, host, port) the authorizer checks.
    public let allowedOrigins: [AllowedOrigin]
    /// OAuth 1.0a: sign non-form bodies with `oauth_body_hash`.
    public let bodyHash: Bool
    /// OAuth 1.0a: a signer made once for the cached credentials (its HMAC already keyed).
    public let signer: OAuth1Signer?
    /// The row version the entry was read at.
    let version: Int64
    /// When the token enters the refresh window (expiry minus skew); nil when it never expires.
    let usableUntil: Double?
    /// The store's `localWrites.count` when the version was last checked.
    var writes: Int
    /// When the version was last checked.
    var checkedAt: Double
}
