import Foundation
import OAuthCore
import Vault

/// A throwaway KEYFLOW_HOME with a vault holding one OAuth 2.0 (Bearer) and one OAuth 1.0a
/// connection to the local server, both logged in with valid tokens, as after `vault auth`.
final class BenchHome: Sendable {
    let directory: URL
    let home: KeyflowHome
    let vault: Vault
    let bearerID: String
    let oauth1ID: String

    /// The master key, when it is given rather than kept in the home (a shared store).
    let masterKey: String?

    /// A home over its own SQLite file, or over `store` (of team `team`) with `masterKey`.
    convenience init(
        server: LocalServer, store: (any VaultStore)? = nil, team: String = Vault.localTeam, masterKey: String? = nil
    ) async throws {
        try await self.init(
            base: server.baseURL, tokenURL: server.tokenURL, accessToken: server.currentToken, store: store, team: team,
            masterKey: masterKey)
    }

    /// The same, for a provider at `base` (e.g. in a child process) whose current token is `accessToken`.
    init(
        base: String, tokenURL: String, accessToken: String, store: (any VaultStore)? = nil,
        team: String = Vault.localTeam, masterKey: String? = nil
    ) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-bench-home-\(UUID().uuidString)")
        self.masterKey = masterKey
        home = KeyflowHome(directory: directory, masterKeyFromEnvironment: masterKey)
        vault = try await Vault.open(home: home, team: team, store: store).vault
        bearerID = try await vault.add(
            kind: "custom-oauth2", name: "Bench API",
            input: ConnectionInput(text: [
                "clientID": "bench-client", "clientSecret": "bench-secret-0000",
                "authorizationURL": base + "/authorize",
                "tokenURL": tokenURL,
            ])
        ).id
        try await vault.storeTokens(
            bearerID,
            ConnectionTokens(
                accessToken: accessToken, tokenType: "Bearer",
                refreshToken: "rt-initial", expiresAt: Date().timeIntervalSince1970 + 3600))
        oauth1ID = try await vault.add(
            kind: "custom-oauth1", name: "Bench OAuth1",
            input: ConnectionInput(text: [
                "consumerKey": SignSuite.credentials.consumerKey,
                "consumerSecret": SignSuite.credentials.consumerSecret,
                "requestTokenURL": base + "/oauth/request_token", "accessTokenURL": base + "/oauth/access_token",
                "userAuthorizationURL": base + "/oauth/authorize",
            ])
        ).id
        try await vault.storeTokens(
            oauth1ID,
            ConnectionTokens(
                accessToken: SignSuite.credentials.token ?? "",
                tokenSecret: SignSuite.credentials.tokenSecret))
    }

    /// Marks the Bearer connection's token as expired, so the next request must refresh it.
    func expireBearer() async throws {
        guard var tokens = try await vault.tokens(of: bearerID) else { return }
        tokens.expiresAt = Date().timeIntervalSince1970 - 1
        try await vault.storeTokens(bearerID, tokens)
    }

    /// The environment a `keyflow` process needs to use this home.
    var environment: [String: String] {
        var environment = ["KEYFLOW_HOME": directory.path]
        if let masterKey { environment["KEYFLOW_MASTER_KEY"] = masterKey }
        return environment
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
