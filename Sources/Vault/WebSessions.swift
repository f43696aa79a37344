import Crypto
import Foundation

/// Browser sessions of `keyflow serve`: a user signs in with their API token once and gets
/// a cookie `userID.expiry.mac`. The MAC is HMAC-SHA256 under a key derived from the master
/// key, over the user id, the expiry and the hash of the user's current API token, so:
/// - nothing is stored per session, and every server sharing the vault accepts the cookie;
/// - replacing a user's token or removing the user ends their sessions at once;
/// - rotating the master key signs everybody out (a deliberate, rare event).
public struct WebSessions: Sendable {
    public static let cookieName = "kf_session"
    /// How long a sign-in lasts.
    public static let lifetime: TimeInterval = 12 * 3600

    let key: SymmetricKey
    let store: any VaultStore
    let clock: @Sendable () -> Date

    public init(vault: Vault, clock: @escaping @Sendable () -> Date = Date.init) {
        // A separate key per purpose: the session MAC key can't decrypt anything.
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: vault.masterKey.key, info: Array("keyflow web sessions v1".utf8),
                                     outputByteCount: 32)
        store = vault.store
        self.clock = clock
    }

    /// Signs in with an API token: the user and the cookie value, or nil for an unknown token.
    public func signIn(token: String) throws(VaultError) -> (user: StoredUser, cookie: String)? {
        guard let user = try Users.authenticate(token: token, store: store) else { return nil }
        let expiry = Int(clock().timeIntervalSince1970 + Self.lifetime)
        return (user, "\(user.id).\(expiry).\(mac(user: user, expiry: expiry))")
    }

    /// The user a cookie value belongs to, if it is genuine, unexpired and still current.
    public func user(cookie: String) throws(VaultError) -> StoredUser? {
        user(cookie: cookie, among: try store.users())
    }

    /// The same, for a caller that has already read the users (one read per request).
    public func user(cookie: String, among users: [StoredUser]) -> StoredUser? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int(parts[1]), Double(expiry) > clock().timeIntervalSince1970 else { return nil }
        guard let user = users.first(where: { $0.id == parts[0] }) else { return nil }
        // Compares in constant time, so the MAC can't be guessed byte by byte.
        let expected = Array(mac(user: user, expiry: expiry).utf8)
        let sent = Array(parts[2].utf8)
        guard expected.count == sent.count else { return nil }
        return zip(expected, sent).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 ? user : nil
    }

    private func mac(user: StoredUser, expiry: Int) -> String {
        let message = Array("\(user.id)\n\(expiry)\n\(user.tokenHash)".utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
