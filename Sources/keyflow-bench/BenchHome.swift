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

    init(server: LocalServer) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-bench-home-\(UUID().uuidString)")
        home = KeyflowHome(directory: directory)
        vault = try await Vault.open(home: home).vault
        let base = server.baseURL
        bearerID = try await vault.add(
            kind: "custom-oauth2", name: "Bench API",
            input: ConnectionInput(text: [
                "clientID": "bench-client", "clientSecret": "bench-secret-0000",
                "authorizationURL": base + "/authorize",
                "tokenURL": server.tokenURL,
            ])
        ).id
        try await vault.storeTokens(
            bearerID,
            ConnectionTokens(
                accessToken: server.currentToken, tokenType: "Bearer",
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
    var environment: [String: String] { ["KEYFLOW_HOME": directory.path] }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
