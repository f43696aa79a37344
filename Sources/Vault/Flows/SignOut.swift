import OAuthCore

/// Signs a connection out: revokes its tokens at the provider where there is an endpoint
/// (best effort: a provider that is down does not keep the user signed in), then drops them.
public struct SignOut: Sendable {
    /// The team's vault.
    public let vault: Vault
    let transport: any HTTPTransport

    /// Sign-out for `vault`'s connections, revoking through `transport`.
    public init(vault: Vault, transport: any HTTPTransport) {
        self.vault = vault
        self.transport = transport
    }

    /// Returns a note on the revocation (done, not possible, or failed), nil without tokens.
    @discardableResult
    public func run(_ id: String) async throws -> String? {
        let connection = try await vault.connection(id)
        if try vault.kind(of: connection).isAPIKey {
            try await vault.dropAPIKey(id)
            return "the key was deleted; set a new one with Edit to use the connection again"
        }
        let note: String?
        if let tokens = try await vault.tokens(of: id) {
            note = await revoke(connection, tokens)
        } else {
            note = nil
        }
        try await vault.dropTokens(id)
        return note
    }

    private func revoke(_ connection: Connection, _ tokens: ConnectionTokens) async -> String {
        guard let settings = try? vault.effectiveSettings(of: connection),
            let secrets = try? await vault.secrets(of: connection.id)
        else {
            return "the tokens were dropped without revocation (settings unreadable)"
        }
        guard settings.revocationURL != nil else {
            return "the provider has no revocation endpoint; the tokens were dropped locally"
        }
        switch settings.kind.protocol {
        case .oauth2:
            let client = OAuth2Client(
                configuration: settings.oauth2Configuration(secrets: secrets, redirectURI: nil), transport: transport)
            do {
                if let refresh = tokens.refreshToken { try await client.revoke(refresh, hint: .refreshToken) }
                try await client.revoke(tokens.accessToken, hint: .accessToken)
                return "the tokens were revoked at the provider"
            } catch {
                return "revocation failed (\(error.description)); the tokens were dropped locally"
            }
        case .apiKey:
            return "the key was deleted"
        case .oauth1:
            do {
                let client = OAuth1Client(
                    consumer: try settings.oauth1Credentials(secrets: secrets, tokens: nil),
                    endpoints: settings.oauth1Endpoints, transport: transport)
                try await client.invalidate(
                    OAuth1Client.TokenPair(token: tokens.accessToken, secret: tokens.tokenSecret ?? ""))
                return "the tokens were invalidated at the provider"
            } catch {
                return "invalidation failed (\(String(describing: error))); the tokens were dropped locally"
            }
        }
    }
}
