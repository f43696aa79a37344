import Foundation
import OAuthCore
import Server
import Vault

/// How connections are shown: text for people, stable JSON for scripts. Secrets and tokens
/// appear only masked.
struct ConnectionPresenter {
    let vault: Vault
    /// Connection health by id (`vault list`); empty where it is not shown.
    var health: [String: ConnectionHealth] = [:]

    func badges(_ connection: Connection) -> String {
        connection.isLegacy ? "Legacy" : ""
    }

    func status(_ connection: Connection) -> String {
        switch connection.status {
        case .needsReauth, .error:
            return connection.status.rawValue + (connection.statusReason.map { " (\($0))" } ?? "")
        default: return connection.status.rawValue
        }
    }

    func listTable(_ connections: [Connection]) -> String {
        Output.table(
            ["ID", "NAME", "KIND", "STATUS", "EXPIRES", "HEALTH", "BADGES"],
            connections.map {
                [
                    $0.id, $0.name, $0.kind, status($0), Output.date($0.tokenExpiresAt), healthText($0),
                    badges($0),
                ]
            })
    }

    /// Last used, last failure (with its reason) and the refresh token's expiry where known.
    func healthText(_ connection: Connection) -> String {
        let known = health[connection.id]
        let text = HealthText.summary(known) { Output.date($0) }
        guard let expiry = known?.refreshTokenExpiry(now: Date()) else { return text }
        return text == "–" ? expiry : "\(text); \(expiry)"
    }

    func summaryJSON(_ connection: Connection) -> JSONOutput {
        .object([
            ("id", .string(connection.id)),
            ("name", .string(connection.name)),
            ("kind", .string(connection.kind)),
            ("status", .string(connection.status.rawValue)),
            ("status_reason", connection.statusReason.map(JSONOutput.string) ?? .null),
            ("token_expires_at", connection.tokenExpiresAt.map { .string(Output.date($0)) } ?? .null),
            (
                "legacy",
                connection.legacy.map {
                    .object([("agent_id", .string($0.agentID)), ("component_id", .string($0.componentID))])
                } ?? .null
            ),
            ("badges", .array(connection.isLegacy ? [.string("Legacy")] : [])),
            ("health", healthJSON(health[connection.id])),
        ])
    }

    /// The health fields of `vault list --json`: dates as `Output.date` writes them, null where not known.
    func healthJSON(_ health: ConnectionHealth?) -> JSONOutput {
        func date(_ value: Double?) -> JSONOutput {
            value.map { .string(Output.date(Date(timeIntervalSince1970: $0))) } ?? .null
        }
        return .object([
            ("last_success_at", date(health?.lastSuccessAt)),
            ("last_failure_at", date(health?.lastFailureAt)),
            ("last_failure_reason", health?.lastFailureReason.map(JSONOutput.string) ?? .null),
            ("last_refresh_at", date(health?.lastRefreshAt)),
            ("refresh_token_expires_at", date(health?.refreshTokenExpiresAt)),
        ])
    }

    /// Every setting with its effective value (defaults marked), masked secrets, status,
    /// token expiry and the callback URL to register at the provider.
    func details(_ connection: Connection) async throws -> [(String, String)] {
        let settings = try vault.effectiveSettings(of: connection)
        let secrets = try await vault.secrets(of: connection.id)
        let tokens = try await vault.tokens(of: connection.id)
        var rows: [(String, String)] = [
            ("ID", connection.id), ("Name", connection.name),
            ("Kind", "\(settings.kind.displayName) (\(connection.kind))"),
            ("Status", status(connection)),
        ]
        if let legacy = connection.legacy {
            rows.append(("Legacy", "from agent \(legacy.agentID), component \(legacy.componentID)"))
        }
        let isOAuth1 = settings.kind.protocol == .oauth1
        func mark(_ value: String?, given: String?) -> String? {
            guard let value, !value.isEmpty else { return nil }
            return given == nil ? "\(value) (default)" : value
        }
        if settings.kind.isAPIKey {
            rows.append(("API key", masked(secrets.apiKey)))
            rows.append(("Sent as", Self.placement(connection.settings)))
        } else if isOAuth1 {
            rows.append(("Consumer key", connection.settings.consumerKey ?? "-"))
            rows.append(("Consumer secret", masked(secrets.consumerSecret)))
            rows.append(("Signature method", settings.signatureMethod.rawValue))
            rows.append(
                ("Body hash", connection.settings.bodyHash == true ? "on (oauth_body_hash for non-form bodies)" : "off")
            )
            if let key = secrets.privateKey {
                rows.append(("Private key", (try? OAuth1RSAKey(pem: key)).map { "set (RSA \($0.bits)-bit)" } ?? "set"))
            }
            rows.append(
                ("Request token URL", mark(settings.requestTokenURL, given: connection.settings.requestTokenURL) ?? "-")
            )
            rows.append(
                (
                    "User auth URL",
                    mark(settings.userAuthorizationURL, given: connection.settings.userAuthorizationURL) ?? "-"
                ))
            rows.append(
                ("Access token URL", mark(settings.accessTokenURL, given: connection.settings.accessTokenURL) ?? "-"))
        } else {
            rows.append(("Client ID", connection.settings.clientID ?? "-"))
            rows.append(("Client secret", masked(secrets.clientSecret)))
            if settings.kind.needsUserLogin {
                rows.append(
                    (
                        "Authorization URL",
                        mark(settings.authorizationURL, given: connection.settings.authorizationURL) ?? "-"
                    ))
            }
            rows.append(("Token URL", mark(settings.tokenURL, given: connection.settings.tokenURL) ?? "-"))
            rows.append(
                (
                    "Scopes",
                    settings.scopes.isEmpty
                        ? "-"
                        : settings.scopes.joined(separator: " ")
                            + (connection.settings.scopes == nil ? " (default)" : "")
                ))
            if settings.kind.needsUserLogin { rows.append(("PKCE", settings.usesPKCE ? "on" : "off")) }
            rows.append(("Client authentication", settings.clientAuthentication.rawValue))
            if let audience = connection.settings.audience { rows.append(("Audience", audience)) }
        }
        if let revocation = settings.revocationURL { rows.append(("Revocation URL", revocation)) }
        rows.append(
            ("Allowed hosts", settings.allowedHosts.isEmpty ? "none" : settings.allowedHosts.joined(separator: ", ")))
        if let tokens {
            rows.append(("Access token", masked(tokens.accessToken)))
            if let refresh = tokens.refreshToken { rows.append(("Refresh token", masked(refresh))) }
            if let secret = tokens.tokenSecret { rows.append(("Token secret", masked(secret))) }
            rows.append(
                (
                    "Token expires",
                    tokens.expiresAt.map { Output.date(Date(timeIntervalSince1970: $0)) }
                        ?? (isOAuth1 ? "never (OAuth 1.0a)" : "unknown (the provider did not say)")
                ))
            if let scope = tokens.scope { rows.append(("Granted scopes", scope)) }
        } else {
            rows.append(("Tokens", "none"))
        }
        if settings.kind.needsUserLogin {
            rows.append(
                ("Callback URL", "\(callbackURL(settings.kind)) (copy this into your provider's allowed redirect URIs)")
            )
        }
        rows.append(("Created", Output.date(connection.createdAt)))
        rows.append(("Updated", Output.date(connection.updatedAt)))
        return rows
    }

    /// Where an API key goes, in words: `header Authorization: Bearer ••••`, `query parameter key`.
    static func placement(_ settings: ConnectionSettings) -> String {
        if let query = settings.queryParameter { return "query parameter \(query)" }
        let name = settings.headerName ?? "Authorization"
        let prefix = settings.headerPrefix ?? ""
        return "header \(name): \(APIKeyPlacement.headerValue(prefix: prefix, key: "••••"))"
    }

    func callbackURL(_ kind: ProviderKind) -> String {
        VaultSession.publicURL.callbacks.url(for: kind.protocol)
    }

    func masked(_ secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return "-" }
        return SecretMask.mask(secret)
    }

    func detailsText(_ connection: Connection) async throws -> String {
        let rows = try await details(connection)
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(
            separator: "\n")
    }

    func detailsJSON(_ connection: Connection) async throws -> JSONOutput {
        let settings = try vault.effectiveSettings(of: connection)
        let secrets = try await vault.secrets(of: connection.id)
        let tokens = try await vault.tokens(of: connection.id)
        var pairs: [(String, JSONOutput)] = []
        if case .object(let summary) = summaryJSON(connection) { pairs = summary }
        func string(_ value: String?) -> JSONOutput { value.map(JSONOutput.string) ?? .null }
        pairs.append(
            (
                "settings",
                .object([
                    ("client_id", string(connection.settings.clientID)),
                    ("consumer_key", string(connection.settings.consumerKey)),
                    ("authorization_url", string(settings.authorizationURL)),
                    ("token_url", string(settings.tokenURL)),
                    ("revocation_url", string(settings.revocationURL)),
                    ("request_token_url", string(settings.requestTokenURL)),
                    ("access_token_url", string(settings.accessTokenURL)),
                    ("user_auth_url", string(settings.userAuthorizationURL)),
                    ("scopes", .array(settings.scopes.map(JSONOutput.string))),
                    ("pkce", .bool(settings.usesPKCE)),
                    ("audience", string(connection.settings.audience)),
                    (
                        "client_authentication",
                        settings.kind.protocol == .oauth2 ? .string(settings.clientAuthentication.rawValue) : .null
                    ),
                    (
                        "signature_method",
                        settings.kind.protocol == .oauth1 ? .string(settings.signatureMethod.rawValue) : .null
                    ),
                    ("allowed_hosts", .array(settings.allowedHosts.map(JSONOutput.string))),
                    ("header_name", string(connection.settings.headerName)),
                    ("header_prefix", string(connection.settings.headerPrefix)),
                    ("query_parameter", string(connection.settings.queryParameter)),
                ])
            ))
        pairs.append(
            (
                "secrets",
                .object([
                    ("client_secret", secrets.clientSecret.map { .string(SecretMask.mask($0)) } ?? .null),
                    ("consumer_secret", secrets.consumerSecret.map { .string(SecretMask.mask($0)) } ?? .null),
                    ("private_key", secrets.privateKey.map { _ in .string("set") } ?? .null),
                    ("api_key", secrets.apiKey.map { .string(SecretMask.mask($0)) } ?? .null),
                ])
            ))
        pairs.append(
            (
                "tokens",
                tokens.map { tokens in
                    .object([
                        ("access_token", .string(SecretMask.mask(tokens.accessToken))),
                        ("refresh_token", tokens.refreshToken.map { .string(SecretMask.mask($0)) } ?? .null),
                        ("token_secret", tokens.tokenSecret.map { .string(SecretMask.mask($0)) } ?? .null),
                        (
                            "expires_at",
                            tokens.expiresAt.map { .string(Output.date(Date(timeIntervalSince1970: $0))) } ?? .null
                        ),
                        ("scope", string(tokens.scope)),
                    ])
                } ?? .null
            ))
        pairs.append(("callback_url", settings.kind.needsUserLogin ? .string(callbackURL(settings.kind)) : .null))
        pairs.append(("created_at", .string(Output.date(connection.createdAt))))
        pairs.append(("updated_at", .string(Output.date(connection.updatedAt))))
        return .object(pairs)
    }
}
