import OAuthCore
import Vault

/// The HTTP client of APICall steps. A request naming a connection is authorized through the
/// Vault's broker (host binding included); an API's 401 triggers one forced refresh and one
/// retry; redirects are followed by hand (at most five) and the credential is dropped the
/// moment one leaves the request's origin.
public struct AuthorizedHTTP: AgentHTTP {
    let transport: any HTTPTransport
    let authorizer: RequestAuthorizer?
    public static let maximumRedirects = 5

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
                // Another origin never sees the credential (nor cookies meant for the first).
                redirected.headers.removeAll { ["authorization", "cookie", "proxy-authorization"].contains($0.name.lowercased()) }
                origin = nil
            }
            outgoing = redirected
            response = try await transport.send(redirected, timeout: request.timeout)
        }
        return AgentHTTPResponse(status: response.status, headers: response.headers, body: response.body)
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
