import Crypto
import Foundation
import OAuthCore

/// Users of `keyflow serve`: each belongs to one team and signs in with an API token, of
/// which only a SHA-256 hash is kept.
public enum Users {
    /// Adds a user and returns the API token, shown once.
    public static func add(name: String, team: String, store: any VaultStore) throws(VaultError) -> (StoredUser, token: String) {
        let cleanName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String] = []
        if cleanName.isEmpty { problems.append("the user name must not be empty") }
        if !Vault.isValidKeyName(team) { problems.append("team \"\(team)\": use letters, digits, _, - and . only") }
        if !problems.isEmpty { throw .invalidInput(problems) }
        let token = "kft_" + PKCE(length: 43).verifier
        let user = StoredUser(id: ConnectionID.make(prefix: "ku_"), name: cleanName, team: team, tokenHash: hash(token),
                              createdAt: Date().timeIntervalSince1970)
        try store.addUser(user)
        return (user, token)
    }

    /// The user an API token belongs to, if any.
    public static func authenticate(token: String, store: any VaultStore) throws(VaultError) -> StoredUser? {
        try store.user(tokenHash: hash(token))
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
