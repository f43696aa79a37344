import OAuthCore

/// One connection's credential as a transport uses it: the broker that hands it out (cached,
/// refreshed once however many ask) and the connection's id. The broker is the team's, shared
/// by every run in the process.
public struct ConnectionCredentials: Sendable {
    /// The team's broker.
    public let broker: TokenBroker
    /// The connection to authorize with.
    public let connection: String

    /// The credentials of `connection`, handed out by `broker`.
    public init(broker: TokenBroker, connection: String) {
        self.broker = broker
        self.connection = connection
    }

    /// Checks that `url`'s origin is one the connection allows, then puts the credential on
    /// `request`: a Bearer header, an OAuth 1.0a signature over the final method, URL and
    /// body, or an API key in its header or query parameter. With `rejected` (the credential an API just answered 401 to) the token is
    /// refreshed first. Returns the credential used.
    @discardableResult
    public func authorize(_ request: inout HTTPTransportRequest, url: RequestURL, rejected: Credential?) async throws
        -> Credential
    {
        let id = connection
        let credential: Credential
        let bodyHash: Bool
        var signer: OAuth1Signer?
        if rejected == nil, let cached = await broker.cachedAuthorization(for: id) {
            // The common case: a valid token in memory; nothing is read or opened.
            try Self.check(url, allowed: cached.allowedOrigins, connection: id, name: cached.name)
            credential = cached.credential
            bodyHash = cached.bodyHash
            signer = cached.signer
        } else {
            let vault = broker.vault
            let row = try await vault.stored(id)  // settings only: the secrets stay sealed until the broker needs them
            let settings = try vault.effectiveSettings(of: row)
            // Checked before the broker is asked, so a wrong host never causes a refresh.
            try Self.check(url, allowed: settings.allowedOrigins, connection: row.id, name: row.name)
            if let rejected {
                credential = try await broker.credential(for: id, rejected: rejected)
            } else {
                credential = try await broker.credential(for: id)
            }
            bodyHash = settings.settings.bodyHash == true
        }
        request.headers.removeAll { ASCII.equalsIgnoringCase($0.name, "authorization") }
        switch credential {
        case .bearer(let authorization, _):
            request.headers.append(("Authorization", authorization))
        case .oauth1(let credentials):
            let isForm = request.headers.contains {
                ASCII.equalsIgnoringCase($0.name, "content-type")
                    && ASCII.lowercased($0.value).hasPrefix("application/x-www-form-urlencoded")
            }
            let body: OAuth1Request.Body =
                request.body.map { isForm ? .form(String(decoding: $0, as: UTF8.self)) : .bytes($0) } ?? .none
            let signature = try (signer ?? OAuth1Signer(credentials: credentials))
                .sign(OAuth1Request(method: request.method, url: url, body: body), options: .init(bodyHash: bodyHash))
            request.setURL(url)  // the canonical form that was signed
            request.headers.append(("Authorization", signature.authorizationHeader()))
        case .apiKey(let key, .header(let name, let prefix)):
            // The connection's header replaces one of that name an agent set.
            request.headers.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
            request.headers.append((name, APIKeyPlacement.headerValue(prefix: prefix, key: key)))
        case .apiKey(let key, .query(let name)):
            request.setURL(APIKeyPlacement.url(url, withParameter: name, key: key))
        }
        return credential
    }

    /// Reports that the API answered `status` to `credential`, an API key: the connection is
    /// marked so the next run fails before sending anything.
    public func rejected(_ credential: Credential, status: Int) async {
        guard case .apiKey(let key, _) = credential else { return }
        await broker.keyRejected(connection, key: key, status: status)
    }

    /// Reports one use of the credential: the request's method, origin and path (never the
    /// query: it may hold values), the final status or the error.
    func used(_ request: HTTPTransportRequest, url: RequestURL, status: Int?, failure: (any Error)?) async {
        let vault = broker.vault
        guard !vault.events.isEmpty else { return }
        let name = await broker.cachedAuthorization(for: connection)?.name
        await vault.events.emit(
            VaultEvent(
                .credentialUse, team: vault.team, at: vault.clock().timeIntervalSince1970, connection: connection,
                connectionName: name, method: request.method, origin: url.origin, path: url.path, status: status,
                succeeded: failure == nil && (status.map { $0 < 400 } ?? false),
                detail: failure.map { Self.reason(of: $0) } ?? status.map { "HTTP \($0)" }))
    }

    /// A failure as one line for the audit trail and health; the errors on this path say what
    /// and where, never a secret (they are shown to users already).
    private static func reason(of error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    private static func check(_ url: RequestURL, allowed: [AllowedOrigin], connection: String, name: String)
        throws(AuthorizeError)
    {
        guard allowed.contains(where: { $0.allows(url) }) else {
            throw AuthorizeError.hostNotAllowed(
                host: entry(for: url), connection: connection, name: name,
                allowed: allowed.map(\.description))
        }
    }

    /// The allowed-hosts entry that would allow `url`, as the user would type it.
    static func entry(for url: RequestURL) -> String {
        AllowedOrigin(of: url)?.description ?? url.origin
    }
}
