import OAuthCore
import Vault

/// The HTTP client of APICall steps. A request naming a connection is authorized through the
/// Vault's broker (origin binding included); an API's 401 triggers one forced refresh and one
/// retry; redirects are followed by hand (at most five). The moment one leaves the request's
/// origin (scheme, host, port), every header not in `crossOriginHeaders` is dropped (the
/// credential, and any secret an agent put in a header such as `X-Api-Key: {{KEY(K)}}`), and a
/// redirect that would resend a body to another origin (307/308, or 301/302 of a non-POST) is
/// refused rather than followed.
public struct AuthorizedHTTP: AgentHTTP {
    let transport: any HTTPTransport
    let authorizer: RequestAuthorizer?
    public static let maximumRedirects = 5
    /// The only headers a request keeps when a redirect takes it to another origin: they
    /// describe what the client accepts and carry nothing an agent could have put a secret in
    /// by design. `Content-Type` is not among them because no body crosses origins.
    public static let crossOriginHeaders: Set<String> = ["accept", "accept-language", "accept-encoding", "user-agent"]

    public init(transport: any HTTPTransport, authorizer: RequestAuthorizer?) {
        self.transport = transport
        self.authorizer = authorizer
    }

    public func send(_ request: AgentHTTPRequest) async throws -> AgentHTTPResponse {
        var outgoing = HTTPTransportRequest(method: request.method, url: request.url, headers: request.headers, body: request.body)
        var credential: Credential?
        if let id = request.connectionID {
            guard let authorizer else { throw ComponentError(message: "connection \(id) is set but no vault is open") }
            credential = try await authorizer.authorize(&outgoing, connection: id, bodyHash: request.bodyHash)
        }
        var response = try await transport.send(outgoing, timeout: request.timeout)
        if response.status == 401, let id = request.connectionID, let rejected = credential, let authorizer {
            // The token was revoked or expired early: refresh once (shared with any other
            // step that saw the same 401) and retry the buffered request once.
            var retry = HTTPTransportRequest(method: request.method, url: request.url, headers: request.headers, body: request.body)
            credential = try await authorizer.authorize(&retry, connection: id, bodyHash: request.bodyHash, rejected: rejected)
            outgoing = retry
            response = try await transport.send(retry, timeout: request.timeout)
        }
        var origin = try? RequestURL(outgoing.url).origin
        for _ in 0..<Self.maximumRedirects {
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("Location"),
                  let next = Self.resolve(location, against: outgoing.url) else { break }
            let nextOrigin = try? RequestURL(next).origin
            var redirected = outgoing
            redirected.url = next
            if response.status == 303 || ((response.status == 301 || response.status == 302) && outgoing.method == "POST") {
                redirected.method = "GET"
                redirected.body = nil
                redirected.headers.removeAll { ["content-type", "content-length"].contains($0.name.lowercased()) }
            }
            if nextOrigin != origin {
                // Another origin sees neither the credential nor any other header an agent set,
                // which may hold a vault value; and it never receives the body.
                if let body = redirected.body, !body.isEmpty {
                    throw ComponentError(message: "\(outgoing.method) \(Self.originOrRedacted(outgoing.url)) answered \(response.status) with a "
                        + "redirect to another origin (\(Self.originOrRedacted(next))); a request body is not resent across origins")
                }
                redirected.body = nil
                redirected.headers.removeAll { !Self.crossOriginHeaders.contains($0.name.lowercased()) }
                origin = nil
            }
            outgoing = redirected
            response = try await transport.send(redirected, timeout: request.timeout)
        }
        return AgentHTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }

    /// The origin of a URL for messages (paths and queries may carry secrets).
    static func originOrRedacted(_ url: String) -> String {
        (try? RequestURL(url).origin) ?? "an invalid URL"
    }

    /// An absolute `Location`, or one relative to the current URL.
    static func resolve(_ location: String, against base: String) -> String? {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        guard let url = try? RequestURL(base) else { return nil }
        if location.hasPrefix("//") { return "\(url.scheme):\(location)" }
        if location.hasPrefix("/") { return url.origin + location }
        let directory = url.path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return url.origin + directory + "/" + location
    }
}
