import OAuthCore

/// The one path of an authorized request (the idea of golang.org/x/oauth2's `Transport`):
/// it wraps a base `HTTPTransport` and, when it has a connection's credentials, checks the
/// request's origin against the connection's allowed origins, adds the credential (Bearer, or
/// an OAuth 1.0a signature over the final method, URL and body), sends, refreshes and retries
/// once after a 401, and follows redirects by `RedirectRules`. Without credentials it only
/// follows redirects, by the same rules, so secret headers an agent set never cross origins.
public struct AuthorizingTransport: HTTPTransport {
    /// Where requests really go (AsyncHTTPClient, a test's recorder).
    public let base: any HTTPTransport
    /// The connection whose credential this transport adds; nil for none.
    public let credentials: ConnectionCredentials?

    /// A transport that authorizes with `credentials` (nil: redirect rules only).
    public init(base: any HTTPTransport, credentials: ConnectionCredentials?) {
        self.base = base
        self.credentials = credentials
    }

    /// Sends `request` through the whole path; `timeout` applies to each exchange. Every
    /// request that carried a credential is reported to the vault's events (the audit trail,
    /// health, metrics) with its final status, or the error that stopped it.
    public func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
        let url: RequestURL
        do { url = try request.requestURL() } catch { throw AuthorizeError.invalidURL(error.description) }
        guard let credentials else { return try await send(request, url: url, timeout: timeout) }
        let response: HTTPTransportResponse
        do { response = try await send(request, url: url, timeout: timeout) } catch {
            // A request refused before sending (a host not allowed, no usable token) is a use
            // that failed too: someone tried this credential against that origin.
            await credentials.used(request, url: url, status: nil, failure: error)
            throw error
        }
        await credentials.used(request, url: url, status: response.status, failure: nil)
        return response
    }

    private func send(_ request: HTTPTransportRequest, url: RequestURL, timeout: Duration) async throws
        -> HTTPTransportResponse
    {
        var outgoing = request
        var credential: Credential?
        if let credentials {
            credential = try await credentials.authorize(&outgoing, url: url, rejected: nil)
        }
        var response = try await base.send(outgoing, timeout: timeout)
        if response.status == 401, let credentials, let rejected = credential, case .apiKey = rejected {
            // A key cannot be refreshed: the 401 is the answer, and the connection is marked.
            await credentials.rejected(rejected, status: response.status)
        } else if response.status == 401, let credentials, let rejected = credential {
            // The token was revoked or expired early: refresh once (shared with every other
            // request that saw the same 401) and retry the buffered request once.
            outgoing = request
            credential = try await credentials.authorize(&outgoing, url: url, rejected: rejected)
            response = try await base.send(outgoing, timeout: timeout)
        }
        var current = url
        for _ in 0..<RedirectRules.maximumRedirects {
            guard let next = try RedirectRules.next(after: response, to: outgoing, url: current) else { break }
            outgoing = next.request
            current = next.url
            response = try await base.send(outgoing, timeout: timeout)
        }
        return response
    }
}
