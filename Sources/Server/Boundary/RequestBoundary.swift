import Foundation
import Hummingbird
import OAuthCore
import Vault

/// The first thing every request meets, in every mode (with users or without):
/// - `Host` must name this server: the bound address, the public URL's host, and `localhost`
///   when bound to loopback. A page on another name that resolves to us (DNS rebinding)
///   is answered 421 and never reaches a handler.
/// - An `Origin` that is present and not ours is 403: another site's page can't post forms
///   or call the API with the browser's cookies, whatever its content type.
/// - An API request with a body must say `Content-Type: application/json` (else 415), so no
///   cross-site "simple" request (text/plain, a form, a typeless blob) is ever parsed as JSON.
/// `/healthz` is exempt from all three (load balancers probe it by IP); the OAuth callbacks
/// keep the Host check but not the Origin check (providers redirect the browser there).
struct RequestBoundary: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    let authorities: [Authority]

    init(binding: KeyflowServer.Binding, publicURL: String) {
        var authorities: [Authority] = []
        let port = binding.port == 0 ? nil : binding.port
        var names = [Self.bracketed(binding.host.lowercased())]
        if binding.isLoopback { names += ["localhost", "127.0.0.1", "[::1]"] }
        for name in names where !authorities.contains(where: { $0.host == name }) {
            authorities.append(Authority(scheme: "http", host: name, port: port))
        }
        if let url = try? RequestURL(publicURL), let port = url.port ?? Authority.defaultPort(of: url.scheme) {
            authorities.append(Authority(scheme: url.scheme, host: url.host, port: port))
        }
        self.authorities = authorities
    }

    static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if path == "/healthz" { return try await next(request, context) }
        guard hostIsOurs(request) else {
            throw APIError(.misdirectedRequest, "unknown_host", "this server does not answer to that Host name")
        }
        let isCallback = request.method == .get && CallbackRoutes.paths.contains(path)
        if !isCallback {
            for origin in request.headers[values: .origin]
            where !authorities.contains(where: { $0.matches(origin: origin) }) {
                throw APIError(.forbidden, "cross_origin", "requests from another origin are refused")
            }
        }
        if path.hasPrefix("/api/"), Self.hasBody(request), !Self.isJSON(request.headers[.contentType]) {
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type", "send the body as Content-Type: application/json")
        }
        return try await next(request, context)
    }

    func hostIsOurs(_ request: Request) -> Bool {
        // HTTP/1 puts the first Host header into the authority; a second one is a smuggling
        // attempt or a broken client, and is refused either way.
        guard let authority = request.head.authority,
            !request.headers.contains(where: { $0.name.canonicalName == "host" }),
            let (host, port) = Authority.split(Substring(authority))
        else { return false }
        return authorities.contains { $0.matches(host: host, port: port) }
    }

    static func hasBody(_ request: Request) -> Bool {
        if request.headers[.transferEncoding] != nil { return true }
        guard let length = request.headers[.contentLength] else { return false }
        return length.trimmingCharacters(in: .whitespaces) != "0"
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        return mediaType == "application/json"
    }
}
