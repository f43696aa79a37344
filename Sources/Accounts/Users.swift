import Crypto
import Foundation
import OAuthCore
import Vault

/// Users of `keyflow serve`: each belongs to one team and signs in with an API token, of
/// which only a SHA-256 hash is kept.
public enum Users {
    /// Adds a user and returns the API token, shown once.
    public static func add(name: String, team: String, store: any AccountStore) async throws(VaultError) -> (
        StoredUser, token: String
    ) {
        let cleanName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String] = []
        if cleanName.isEmpty { problems.append("the user name must not be empty") }
        if !Vault.isValidKeyName(team) { problems.append("team \"\(team)\": use letters, digits, _, - and . only") }
        if !problems.isEmpty { throw .invalidInput(problems) }
        let token = newToken()
        let user = StoredUser(
            id: ConnectionID.make(prefix: "ku_"), name: cleanName, team: team, tokenHash: hash(token),
            createdAt: Date().timeIntervalSince1970)
        try await store.addUser(user)
        return (user, token)
    }

    /// The user named `nameOrID` (a name, or the `ku_` id when names repeat across teams),
    /// in `team` when given.
    public static func find(_ nameOrID: String, team: String? = nil, store: any AccountStore) async throws(VaultError)
        -> StoredUser
    {
        let matches = try await store.users().filter {
            ($0.id == nameOrID || $0.name == nameOrID) && (team == nil || $0.team == team)
        }
        guard let user = matches.first else { throw .notFound("user \(nameOrID)") }
        guard matches.count == 1 else {
            throw .ambiguous(.userName(nameOrID, teams: matches.map(\.team)))
        }
        return user
    }

    /// Replaces a user's API token and ends all their browser sessions; returns the new
    /// token, shown once. The old token stops working at once.
    public static func rotateToken(of user: StoredUser, store: any AccountStore) async throws(VaultError) -> String {
        let token = newToken()
        // One write: the new token and the end of the old sessions land together.
        guard try await store.replaceUserToken(id: user.id, tokenHash: hash(token)) else {
            throw .notFound("user \(user.name)")
        }
        return token
    }

    /// Removes a user and ends all their browser sessions.
    public static func remove(_ user: StoredUser, store: any AccountStore) async throws(VaultError) {
        guard try await store.deleteUser(id: user.id) else { throw .notFound("user \(user.name)") }
    }

    static func newToken() -> String { "kft_" + SecureRandom.token() }

    /// The user an API token belongs to, if any.
    public static func authenticate(token: String, store: any AccountStore) async throws(VaultError) -> StoredUser? {
        try await store.user(tokenHash: hash(token))
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
