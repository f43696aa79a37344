import OAuthCore

/// The seam between a request and a saved connection: it checks that the request's origin
/// (scheme, host and port) is one the connection allows, then adds the `Authorization` header (Bearer, or an OAuth 1.0a
/// signature over the final method, URL and form body). Callers never see refresh tokens.
public struct RequestAuthorizer: Sendable {
    public let broker: TokenBroker

    public init(broker: TokenBroker) {
        self.broker = broker
    }

    /// Authorizes `request` with connection `id`. With `rejected` (the credential an API just
    /// answered 401 to) the token is refreshed first.
    @discardableResult
    public func authorize(_ request: inout HTTPTransportRequest, connection id: String, bodyHash: Bool = false,
                          rejected: Credential? = nil) async throws -> Credential {
        let url: RequestURL
        do { url = try RequestURL(request.url) } catch { throw AuthorizeError.invalidURL(error.description) }
        let credential: Credential
        let signsBodyHash: Bool
        var signer: OAuth1Signer?
        if rejected == nil, let cached = broker.cachedAuthorization(for: id) {
            // The common case: a valid token in memory; nothing is read or opened.
            try Self.check(url, allowed: cached.allowedOrigins, connection: id, name: cached.name)
            credential = cached.credential
            signsBodyHash = cached.bodyHash
            signer = cached.signer
        } else {
            let vault = broker.vault
            let row = try vault.stored(id)  // settings only: the secrets stay sealed until the broker needs them
            let settings = try vault.effectiveSettings(of: row)
            // Checked before the broker is asked, so a wrong host never causes a refresh.
            try Self.check(url, allowed: settings.allowedOrigins, connection: row.id, name: row.name)
            if let rejected {
                credential = try await broker.credential(for: id, rejected: rejected)
            } else {
                credential = try await broker.credential(for: id)
            }
            signsBodyHash = settings.settings.bodyHash == true
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
            let body: OAuth1Request.Body = request.body.map { isForm ? .form(String(decoding: $0, as: UTF8.self)) : .bytes($0) } ?? .none
            let signature = try (signer ?? OAuth1Signer(credentials: credentials))
                .sign(OAuth1Request(method: request.method, url: url, body: body),
                      options: .init(bodyHash: bodyHash || signsBodyHash))
            request.url = url.description  // the canonical form that was signed
            request.headers.append(("Authorization", signature.authorizationHeader()))
        }
        return credential
    }

    private static func check(_ url: RequestURL, allowed: [AllowedOrigin], connection: String, name: String) throws(AuthorizeError) {
        guard allowed.contains(where: { $0.allows(url) }) else {
            throw AuthorizeError.hostNotAllowed(host: entry(for: url), connection: connection, name: name, allowed: allowed.map(\.description))
        }
    }

    /// The allowed-hosts entry that would allow `url`, as the user would type it.
    static func entry(for url: RequestURL) -> String {
        AllowedOrigin(of: url)?.description ?? url.origin
    }
}

/// Why a request was not authorized; nothing was sent.
public enum AuthorizeError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    /// `host` is the request's origin in allowed-hosts form (`api.example.com:8443`,
    /// `http://127.0.0.1:8080`); `allowed` the connection's entries.
    case hostNotAllowed(host: String, connection: String, name: String, allowed: [String])

    public var description: String {
        switch self {
        case .invalidURL(let reason): return reason
        case .hostNotAllowed(let host, let connection, let name, let allowed):
            let advice = AllowedOrigin(host) == nil
                ? ". A credential goes over plain http only to a loopback host (http://127.0.0.1:PORT); use https"
                : ". Add it with keyflow vault edit \(connection) --allowed-host \(host)"
            return "connection \(connection) (\(name)) may not be sent to \(host); its allowed origins are "
                + (allowed.isEmpty ? "none" : allowed.joined(separator: ", ")) + advice
        }
    }
}
