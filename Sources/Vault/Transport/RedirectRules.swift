import OAuthCore

/// How `AuthorizingTransport` follows a redirect. It follows them itself rather than leaving
/// them to AsyncHTTPClient: on a change of origin AsyncHTTPClient (RedirectState.swift,
/// `transformRequestForRedirect`) drops only `Authorization`, `Proxy-Authorization`, `Cookie`
/// and `Origin`, so every other header would follow (an agent's `X-Api-Key: {{KEY(K)}}`), and
/// it resends a 307/308 body to the new origin. Here, the moment a redirect
/// leaves the request's origin (scheme, host, port), every header not in `crossOriginHeaders`
/// is dropped, and a redirect that would resend a body to another origin is refused.
public enum RedirectRules {
    /// At most this many redirects are followed; the last response is returned as it is.
    public static let maximumRedirects = 5

    /// The only headers a request keeps when a redirect takes it to another origin: they
    /// describe what the client accepts and carry nothing an agent could have put a secret in
    /// by design. `Content-Type` is not among them because no body crosses origins.
    public static let crossOriginHeaders: Set<String> = ["accept", "accept-language", "accept-encoding", "user-agent"]

    /// The statuses that carry a `Location` to follow.
    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// The next request after `response` to `request` (sent to `url`), or nil when the
    /// response is not a redirect to follow. `sameOrigin` says whether the request may keep
    /// what belongs to the first origin (its credential and headers).
    static func next(
        after response: HTTPTransportResponse, to request: HTTPTransportRequest,
        url: RequestURL
    ) throws(AuthorizeError) -> (request: HTTPTransportRequest, url: RequestURL, sameOrigin: Bool)? {
        guard redirectStatuses.contains(response.status), let location = response.header("Location"),
            let target = resolve(location, against: url)
        else { return nil }
        var redirected = request
        redirected.setURL(target)
        if response.status == 303 || ((response.status == 301 || response.status == 302) && request.method == "POST") {
            redirected.method = "GET"
            redirected.body = nil
            redirected.headers.removeAll { ["content-type", "content-length"].contains(ASCII.lowercased($0.name)) }
        }
        let sameOrigin = target.origin == url.origin
        if !sameOrigin {
            // Another origin sees neither the credential nor any other header an agent set,
            // which may hold a vault value; and it never receives the body.
            if let body = redirected.body, !body.isEmpty {
                throw .bodyNotResentAcrossOrigins(
                    method: request.method, from: url.origin, status: response.status, to: target.origin)
            }
            redirected.body = nil
            redirected.headers.removeAll { !crossOriginHeaders.contains(ASCII.lowercased($0.name)) }
            // The loopback exception belongs to the origin a team member gave, not to where it redirects.
            redirected.allowsLoopback = false
        }
        return (redirected, target, sameOrigin)
    }

    /// An absolute `Location`, or one relative to the current URL; nil when it is not an
    /// http(s) URL.
    static func resolve(_ location: String, against base: RequestURL) -> RequestURL? {
        let absolute: String
        if location.hasPrefix("http://") || location.hasPrefix("https://") {
            absolute = location
        } else if location.hasPrefix("//") {
            absolute = "\(base.scheme):\(location)"
        } else if location.hasPrefix("/") {
            absolute = base.origin + location
        } else {
            let directory = base.path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
                separator: "/")
            absolute = base.origin + directory + "/" + location
        }
        return try? RequestURL(absolute)
    }
}
