import OAuthCore

/// The seam between a request and a saved connection: it checks that the request's host is
/// one the connection allows, then adds the `Authorization` header (Bearer, or an OAuth 1.0a
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
        let vault = broker.vault
        let row = try vault.stored(id)  // settings only: the secrets stay sealed until the broker needs them
        let settings = try vault.effectiveSettings(of: row)
        let allowed = settings.allowedHosts
        guard allowed.contains(where: { HostPattern.matches($0, host: url.host) }) else {
            throw AuthorizeError.hostNotAllowed(host: url.host, connection: row.id, name: row.name, allowed: allowed)
        }
        let credential: Credential
        if let rejected {
            credential = try await broker.credential(for: id, rejected: rejected)
        } else {
            credential = try await broker.credential(for: id)
        }
        request.headers.removeAll { $0.name.caseInsensitiveCompare("Authorization") == .orderedSame }
        switch credential {
        case .bearer(let authorization, _):
            request.headers.append(("Authorization", authorization))
        case .oauth1(let credentials):
            let isForm = request.headers.contains {
                $0.name.caseInsensitiveCompare("Content-Type") == .orderedSame
                    && $0.value.lowercased().hasPrefix("application/x-www-form-urlencoded")
            }
            let body: OAuth1Request.Body = request.body.map { isForm ? .form(String(decoding: $0, as: UTF8.self)) : .bytes($0) } ?? .none
            let signature = try OAuth1Signer(credentials: credentials)
                .sign(OAuth1Request(method: request.method, url: url, body: body),
                      options: .init(bodyHash: bodyHash || settings.settings.bodyHash == true))
            request.url = url.description  // the canonical form that was signed
            request.headers.append(("Authorization", signature.authorizationHeader()))
        }
        return credential
    }
}

/// Why a request was not authorized; nothing was sent.
public enum AuthorizeError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case hostNotAllowed(host: String, connection: String, name: String, allowed: [String])

    public var description: String {
        switch self {
        case .invalidURL(let reason): return reason
        case .hostNotAllowed(let host, let connection, let name, let allowed):
            return "connection \(connection) (\(name)) may not be sent to \(host); its allowed hosts are "
                + (allowed.isEmpty ? "none" : allowed.joined(separator: ", "))
                + ". Add the host with keyflow vault edit \(connection) --allowed-host \(host)"
        }
    }
}
