import Crypto
import Foundation
import OAuthCore
import Vault

/// Browser sessions of `keyflow serve`. Every browser has one, named by a random id in the
/// `kf_session` cookie:
/// - a signed-in user's session is stored (the id's SHA-256 only) in the shared store, so a
///   sign-out, "sign out everywhere", `users rotate-token` or `users remove` ends it on
///   every node at once;
/// - before signing in, and in the no-users mode that has no sign-in, the browser gets an
///   anonymous session instead: `a.<id>.<expiry>.<mac>`, signed, nothing stored.
/// Either way the CSRF token of its forms is an HMAC over the session id's hash under a key
/// derived from the master key: bound to this browser's session, never taken from a cookie.
public struct WebSessions: Sendable {
    /// The name of the session cookie.
    public static let cookieName = "kf_session"
    /// How long a session lasts.
    public static let lifetime: TimeInterval = 12 * 3600

    /// A browser's session, as its cookie resolved.
    public struct Session: Sendable, Equatable {
        /// SHA-256 of the session id, hex: what the store keeps and what a login is bound to.
        public let idHash: String
        /// The signed-in user; nil for an anonymous session.
        public let user: StoredUser?
        /// The CSRF token this session's forms carry.
        public let csrfToken: String
    }

    let signingKey: SymmetricKey
    let csrfKey: SymmetricKey
    let store: any AccountStore
    let clock: @Sendable () -> Date

    /// Sessions kept in `store`, signed with keys derived from `vault`'s master key.
    public init(vault: Vault, store: any AccountStore, clock: @escaping @Sendable () -> Date = Date.init) {
        // A separate key per purpose: neither can decrypt anything, nor stand in for the other.
        signingKey = vault.derivedKey(purpose: "keyflow web sessions v2")
        csrfKey = vault.derivedKey(purpose: "keyflow csrf v1")
        self.store = store
        self.clock = clock
    }

    /// Signs in with an API token: a new stored session for the user and its cookie value,
    /// or nil for an unknown token.
    public func signIn(token: String) async throws(VaultError) -> (user: StoredUser, cookie: String)? {
        guard let user = try await Users.authenticate(token: token, store: store) else { return nil }
        let now = clock().timeIntervalSince1970
        try await store.purgeSessions(expiredBefore: now)
        let id = Self.randomID()
        try await store.insertSession(
            StoredSession(idHash: Self.hash(id), userID: user.id, createdAt: now, expiresAt: now + Self.lifetime))
        return (user, "u." + id)
    }

    /// A new anonymous session: the session and its cookie value.
    public func anonymous() -> (session: Session, cookie: String) {
        let id = Self.randomID()
        let expiry = Int(clock().timeIntervalSince1970 + Self.lifetime)
        let cookie = "a.\(id).\(expiry).\(mac("anonymous\n\(id)\n\(expiry)"))"
        return (Session(idHash: Self.hash(id), user: nil, csrfToken: csrfToken(idHash: Self.hash(id))), cookie)
    }

    /// The session a cookie value names, if it is genuine, unexpired and not revoked (for a
    /// user session: still stored, and the user still exists among `users`).
    public func session(cookie: String, among users: [StoredUser]) async throws(VaultError) -> Session? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let now = clock().timeIntervalSince1970
        switch parts.first ?? "" {
        case "u" where parts.count == 2 && !parts[1].isEmpty:
            let idHash = Self.hash(parts[1])
            guard let stored = try await store.session(idHash: idHash), stored.expiresAt > now,
                let user = users.first(where: { $0.id == stored.userID })
            else { return nil }
            return Session(idHash: idHash, user: user, csrfToken: csrfToken(idHash: idHash))
        case "a" where parts.count == 4:
            guard let expiry = Int(parts[2]), Double(expiry) > now,
                ConstantTime.isEqual(Array(parts[3].utf8), Array(mac("anonymous\n\(parts[1])\n\(parts[2])").utf8))
            else { return nil }
            let idHash = Self.hash(parts[1])
            return Session(idHash: idHash, user: nil, csrfToken: csrfToken(idHash: idHash))
        default:
            return nil
        }
    }

    /// The same, reading the users first.
    public func session(cookie: String) async throws(VaultError) -> Session? {
        try await session(cookie: cookie, among: try await store.users())
    }

    /// Ends one session (sign-out). An anonymous session has nothing stored to end.
    public func end(_ session: Session) async throws(VaultError) {
        if session.user != nil { _ = try await store.deleteSession(idHash: session.idHash) }
    }

    /// Ends every session of the session's user ("sign out everywhere").
    public func endAll(of user: StoredUser) async throws(VaultError) {
        try await store.deleteSessions(userID: user.id)
    }

    /// Whether a submitted CSRF token is the one of `session`, compared in constant time.
    public func isValidCSRF(_ sent: String, for session: Session) -> Bool {
        ConstantTime.isEqual(Array(sent.utf8), Array(session.csrfToken.utf8))
    }

    func csrfToken(idHash: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array("csrf\n\(idHash)".utf8), using: csrfKey)))
    }

    private func mac(_ message: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: signingKey)))
    }

    /// SHA-256 of a session id, hex.
    public static func hash(_ id: String) -> String {
        SHA256.hash(data: Array(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 256 random bits, base64url (no `.`, so the cookie's parts split cleanly).
    static func randomID() -> String {
        SecureRandom.token()
    }
}
