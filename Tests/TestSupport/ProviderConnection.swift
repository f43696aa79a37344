import Foundation
import Vault

/// A custom OAuth 2.0 connection whose endpoints are under one base URL (a test's provider),
/// for tests of the broker and the stores.
public enum ProviderConnection {
    /// Adds the connection to `vault`; returns its id.
    public static func add(to vault: Vault, baseURL: String, name: String = "Provider") async throws -> String {
        try await vault.add(
            kind: "custom-oauth2", name: name,
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": "s", "authorizationURL": baseURL + "/authorize",
                    "tokenURL": baseURL + "/token",
                ])
        ).id
    }

    /// Adds the connection with tokens that expired ten seconds ago (access token
    /// `accessToken`, refresh token `refreshToken`), so the next credential must refresh.
    public static func addExpired(
        to vault: Vault, baseURL: String, accessToken: String, refreshToken: String
    ) async throws -> String {
        let id = try await add(to: vault, baseURL: baseURL)
        try await vault.storeTokens(
            id,
            ConnectionTokens(
                accessToken: accessToken, refreshToken: refreshToken, expiresAt: Date().timeIntervalSince1970 - 10))
        return id
    }
}
