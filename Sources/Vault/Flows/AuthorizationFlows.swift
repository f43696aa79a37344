import Foundation
import OAuthCore

/// Logs a connection in: OAuth 2.0 authorization code (with PKCE when the kind requires it
/// or the user turned it on), OAuth 1.0a three-legged, or client credentials (no browser).
/// Pending logins live in the store (`PendingLogins`), keyed by `state` (OAuth 2.0) or the
/// temporary token (OAuth 1.0a): random, single use, bound to one connection and to whoever
/// started the login (`LoginBinding`), expired after ten minutes. Any flows object of the team
/// on a process sharing the store finishes them.
public actor AuthorizationFlows {
    /// How a started login continues.
    public enum Started: Sendable {
        /// Send the user here; the callback finishes the login.
        case browser(url: String)
        /// Done already (client credentials).
        case completed(Connection)
    }

    /// The team's vault, whose connections are logged in.
    public let vault: Vault
    /// Where the provider sends the user back: the listener that will call `complete`.
    public let callbacks: CallbackURLs
    private let transport: any HTTPTransport
    private let pending: PendingLogins

    /// Flows for `vault`'s team whose providers send users back to `callbacks`; a login not
    /// finished within `lifetime` seconds is forgotten.
    public init(vault: Vault, transport: any HTTPTransport, callbacks: CallbackURLs, lifetime: TimeInterval = 600) {
        self.vault = vault
        self.transport = transport
        self.callbacks = callbacks
        pending = PendingLogins(vault: vault, store: vault.store, lifetime: lifetime)
    }

    /// Starts a login for `connectionID`; only a callback whose presenter `binding` admits
    /// finishes it (by default the CLI's own listener, which a server never presents as).
    public func start(_ connectionID: String, boundTo binding: LoginBinding = .listener) async throws -> Started {
        let connection = try await vault.connection(connectionID)
        let settings = try vault.effectiveSettings(of: connection)
        let secrets = try await vault.secrets(of: connectionID)
        try await pending.purge()
        switch (settings.kind.protocol, settings.kind.grantType) {
        case (.apiKey, _):
            throw FlowError.noLogin(kind: settings.kind.displayName)
        case (.oauth2, .clientCredentials):
            let token: OAuth2Token
            do {
                token = try await OAuth2Client(
                    configuration: settings.oauth2Configuration(secrets: secrets, redirectURI: nil),
                    transport: transport
                ).clientCredentials()
            } catch {
                throw FlowError.exchangeFailed(error.description)
            }
            return .completed(
                try await vault.storeTokens(connectionID, ConnectionTokens(token), expectedVersion: connection.version))
        case (.oauth2, _):
            let state = SecureRandom.token()  // 256 bits, URL-safe
            let pkce = settings.usesPKCE ? PKCE() : nil
            let redirectURI = callbacks.oauth2
            let client = OAuth2Client(
                configuration: settings.oauth2Configuration(secrets: secrets, redirectURI: redirectURI),
                transport: transport)
            let url: String
            do { url = try client.authorizationURL(state: state, pkce: pkce) } catch {
                throw FlowError.exchangeFailed(error.description)
            }
            try await pending.insert(
                key: state, connectionID: connectionID, connectionVersion: connection.version, binding: binding,
                flow: .oauth2(verifier: pkce?.verifier, redirectURI: redirectURI))
            return .browser(url: url)
        case (.oauth1, _):
            let client = try oauth1Client(settings, secrets)
            let temporary: OAuth1Client.TokenPair
            do { temporary = try await client.requestToken(callback: callbacks.oauth1) } catch {
                throw FlowError.exchangeFailed(error.description)
            }
            try await pending.insert(
                key: temporary.token, connectionID: connectionID, connectionVersion: connection.version,
                binding: binding, flow: .oauth1(token: temporary.token, secret: temporary.secret))
            do { return .browser(url: try client.authorizationURL(for: temporary)) } catch {
                throw FlowError.exchangeFailed(error.description)
            }
        }
    }

    /// Finishes a login from the callback's query. `path` is the callback path, which tells
    /// OAuth 2.0 from OAuth 1.0a. The connection is unchanged on any failure. A presenter the
    /// login's binding does not admit is refused and the login stays pending for the right one.
    @discardableResult
    public func complete(path: String, query: String, presenter: LoginPresenter = .listener) async throws -> Connection
    {
        let fields = FormEncoding.fields(query)
        if path.hasSuffix(CallbackURLs.oauth1Path) {
            guard let key = fields["oauth_token"] ?? fields["denied"], let found = try await pending.peek(key: key),
                case .oauth1(let token, let secret) = found.flow
            else {
                throw FlowError.unknownLogin
            }
            guard found.binding.admits(presenter) else { throw FlowError.wrongBrowser }
            guard let entry = try await pending.take(key: key) else { throw FlowError.unknownLogin }
            let temporary = OAuth1Client.TokenPair(token: token, secret: secret)
            let connection = try await current(entry)
            let settings = try vault.effectiveSettings(of: connection)
            let client = try oauth1Client(settings, try await vault.secrets(of: connection.id))
            let pair: OAuth1Client.TokenPair
            do {
                let verifier = try OAuth1Client.parseCallback(query: query, expected: temporary)
                pair = try await client.accessToken(temporary: temporary, verifier: verifier)
            } catch .denied {
                throw FlowError.denied(error: "access_denied", description: "the user denied access")
            } catch {
                throw FlowError.exchangeFailed(error.description)
            }
            return try await vault.storeTokens(
                connection.id,
                ConnectionTokens(
                    accessToken: pair.token, tokenSecret: pair.secret,
                    extra: pair.extra.isEmpty ? nil : pair.extra),
                expectedVersion: entry.connectionVersion)
        }
        guard let state = fields["state"], let found = try await pending.peek(key: state),
            case .oauth2(let verifier, let redirectURI) = found.flow
        else {
            throw FlowError.unknownLogin
        }
        guard found.binding.admits(presenter) else { throw FlowError.wrongBrowser }
        guard let entry = try await pending.take(key: state) else { throw FlowError.unknownLogin }
        let pkce = verifier.flatMap(PKCE.init(verifier:))
        let connection = try await current(entry)
        switch try AuthorizationCallback.parse(query: query, expectedState: state) {
        case .denied(let error, let description):
            throw FlowError.denied(error: error, description: description)
        case .code(let code):
            let settings = try vault.effectiveSettings(of: connection)
            let client = OAuth2Client(
                configuration: settings.oauth2Configuration(
                    secrets: try await vault.secrets(of: connection.id),
                    redirectURI: redirectURI),
                transport: transport)
            let token: OAuth2Token
            do { token = try await client.exchange(code: code, pkce: pkce) } catch {
                throw FlowError.exchangeFailed(error.description)
            }
            return try await vault.storeTokens(
                connection.id, ConnectionTokens(token), expectedVersion: entry.connectionVersion)
        }
    }

    /// Whether a login of this team is waiting for its callback (for listeners that stop once done).
    public var hasPendingLogins: Bool {
        get async { (try? await pending.any()) ?? false }
    }

    private func current(_ entry: PendingLogins.Login) async throws -> Connection {
        let connection = try await vault.connection(entry.connectionID)
        guard connection.version == entry.connectionVersion else { throw FlowError.connectionChanged }
        return connection
    }

    private func oauth1Client(_ settings: EffectiveSettings, _ secrets: ConnectionSecrets) throws -> OAuth1Client {
        do {
            return OAuth1Client(
                consumer: try settings.oauth1Credentials(secrets: secrets, tokens: nil),
                endpoints: settings.oauth1Endpoints, transport: transport)
        } catch {
            throw FlowError.exchangeFailed(String(describing: error))
        }
    }
}
