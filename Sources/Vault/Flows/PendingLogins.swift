import Crypto
import Foundation
import OAuthCore

/// The logins of one team that wait for their callback, kept in the store (`LoginStore`) so
/// that any node, or this one after a restart, can finish them. A login is found by the
/// SHA-256 of its key (`state`, or the OAuth 1.0a temporary token); its flow (the PKCE
/// verifier, the temporary token secret) is sealed with a key derived from the master key and
/// bound to the team and the key hash.
public struct PendingLogins: Sendable {
    /// How the login continues when its callback comes.
    enum Flow: Codable, Equatable {
        case oauth2(verifier: String?, redirectURI: String)
        case oauth1(token: String, secret: String)
    }

    /// A login read back: what `AuthorizationFlows` checks and continues with.
    struct Login: Sendable {
        let connectionID: String
        let connectionVersion: Int64
        let binding: LoginBinding
        let flow: Flow
    }

    let vault: Vault
    let store: any LoginStore
    /// How long a login is accepted.
    let lifetime: TimeInterval

    func insert(key: String, connectionID: String, connectionVersion: Int64, binding: LoginBinding, flow: Flow)
        async throws
    {
        let keyHash = Self.hash(key)
        let plain: Data
        do { plain = try JSONEncoder().encode(flow) } catch { throw VaultError.storage("cannot encode a login") }
        let now = Date().timeIntervalSince1970
        try await store.insertLogin(
            StoredLogin(
                keyHash: keyHash, team: vault.team, connectionID: connectionID, connectionVersion: connectionVersion,
                binding: binding.stored,
                flow: try Envelope.seal(plain, with: sealingKey, team: vault.team, owner: keyHash, field: "login"),
                startedAt: now, expiresAt: now + lifetime))
    }

    /// The login with this key if it is this team's and has not expired; it stays stored.
    func peek(key: String) async throws -> Login? {
        guard let row = try await store.login(keyHash: Self.hash(key)) else { return nil }
        return try open(row)
    }

    /// Removes the login with this key and returns it (nil when another callback took it first).
    func take(key: String) async throws -> Login? {
        guard let row = try await store.takeLogin(keyHash: Self.hash(key)) else { return nil }
        return try open(row)
    }

    /// Drops the logins of every team that expired.
    func purge() async throws {
        _ = try await store.purgeLogins(expiredBefore: Date().timeIntervalSince1970)
    }

    /// Whether this team has logins waiting.
    func any() async throws -> Bool {
        try await store.hasLogins(team: vault.team)
    }

    private func open(_ row: StoredLogin) throws -> Login? {
        guard row.team == vault.team, row.expiresAt > Date().timeIntervalSince1970,
            let binding = LoginBinding(stored: row.binding)
        else {
            return nil
        }
        let plain = try Envelope.open(row.flow, with: sealingKey, team: row.team, owner: row.keyHash, field: "login")
        let flow: Flow
        do { flow = try JSONDecoder().decode(Flow.self, from: plain) } catch { return nil }
        return Login(
            connectionID: row.connectionID, connectionVersion: row.connectionVersion, binding: binding, flow: flow)
    }

    private var sealingKey: SymmetricKey { vault.derivedKey(purpose: "keyflow pending logins") }

    /// The team whose login a callback's query names (by `state`, `oauth_token` or `denied`),
    /// nil when no login matches; the team's flows then check everything else.
    public static func team(ofCallbackQuery query: String, store: any LoginStore) async throws -> String? {
        let fields = FormEncoding.fields(query)
        for key in [fields["state"], fields["oauth_token"], fields["denied"]].compactMap({ $0 }) where !key.isEmpty {
            if let login = try await store.login(keyHash: hash(key)) { return login.team }
        }
        return nil
    }

    /// The store's name for a login key.
    static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension LoginBinding {
    /// The binding as one string for the store: `listener`, `session:<hash>`, `account:<id>`.
    var stored: String {
        switch self {
        case .listener: return "listener"
        case .session(let hash): return "session:" + hash
        case .account(let id): return "account:" + id
        }
    }

    /// The binding of a stored string; nil when it is not one.
    init?(stored: String) {
        if stored == "listener" { self = .listener; return }
        if stored.hasPrefix("session:") { self = .session(String(stored.dropFirst(8))); return }
        if stored.hasPrefix("account:") { self = .account(String(stored.dropFirst(8))); return }
        return nil
    }
}
