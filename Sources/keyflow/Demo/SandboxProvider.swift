import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import OAuthCore

/// The `keyflow demo` sandbox: a small but real OAuth 2.0 provider and API on loopback.
/// Authorization code with PKCE (S256 checked), refresh tokens that rotate, access tokens
/// that expire, and a Bearer-protected API. It approves every login (there is no user).
actor SandboxState {
    struct Grant { let redirectURI: String; let challenge: String; let issued: Date }
    let clientID = "keyflow-demo"
    let clientSecret = SecureRandom.token()
    let tokenLifetime: TimeInterval
    private var codes: [String: Grant] = [:]
    private var accessTokens: [String: Date] = [:]
    private var refreshTokens: Set<String> = []
    private(set) var refreshes = 0
    private(set) var apiCalls = 0

    init(tokenLifetime: TimeInterval) { self.tokenLifetime = tokenLifetime }

    func authorize(_ query: [String: String]) -> Result<String, SandboxFailure> {
        guard query["response_type"] == "code", query["client_id"] == clientID else {
            return .failure(.init(400, "invalid_request", "unknown client"))
        }
        guard let redirect = query["redirect_uri"], redirect.hasPrefix("http://127.0.0.1:") else {
            return .failure(.init(400, "invalid_request", "bad redirect_uri"))
        }
        guard query["code_challenge_method"] == "S256", let challenge = query["code_challenge"] else {
            return .failure(.init(400, "invalid_request", "PKCE (S256) is required"))
        }
        let code = SecureRandom.token()
        codes[code] = Grant(redirectURI: redirect, challenge: challenge, issued: Date())
        let separator = redirect.contains("?") ? "&" : "?"
        return .success(redirect + separator + FormEncoding.encode([("code", code), ("state", query["state"] ?? "")]))
    }

    func token(_ form: [String: String], basic: (String, String)?) -> Result<JSONObjectText, SandboxFailure> {
        let (id, secret) = basic ?? (form["client_id"] ?? "", form["client_secret"] ?? "")
        guard id == clientID, secret == clientSecret else {
            return .failure(.init(401, "invalid_client", "client authentication failed"))
        }
        switch form["grant_type"] {
        case "authorization_code":
            guard let code = form["code"], let grant = codes.removeValue(forKey: code),
                Date().timeIntervalSince(grant.issued) < 60,
                grant.redirectURI == form["redirect_uri"]
            else { return .failure(.init(400, "invalid_grant", "unknown or used code")) }
            guard let verifier = form["code_verifier"], PKCE(verifier: verifier)?.challenge == grant.challenge else {
                return .failure(.init(400, "invalid_grant", "the code_verifier does not match the code_challenge"))
            }
        case "refresh_token":
            guard let refresh = form["refresh_token"], refreshTokens.remove(refresh) != nil else {
                return .failure(.init(400, "invalid_grant", "unknown or already used refresh token"))
            }
            refreshes += 1
        default:
            return .failure(.init(400, "unsupported_grant_type", "use authorization_code or refresh_token"))
        }
        let access = "demo-at-" + SecureRandom.token()
        let refresh = "demo-rt-" + SecureRandom.token()
        accessTokens[access] = Date().addingTimeInterval(tokenLifetime)
        refreshTokens.insert(refresh)
        return .success(
            JSONObjectText(
                #"{"access_token":"\#(access)","token_type":"Bearer","expires_in":\#(Int(tokenLifetime)),"refresh_token":"\#(refresh)","scope":"projects.read"}"#
            ))
    }

    func checkBearer(_ header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer "), let expiry = accessTokens[String(header.dropFirst(7))],
            expiry > Date()
        else { return false }
        apiCalls += 1
        return true
    }
}

struct JSONObjectText: Sendable { let text: String; init(_ text: String) { self.text = text } }

struct SandboxFailure: Error, Sendable {
    let status: Int
    let code: String
    let description: String
    init(_ status: Int, _ code: String, _ description: String) {
        self.status = status
        self.code = code
        self.description = description
    }
}

/// The sandbox's HTTP side.
enum SandboxProvider {
    static let projects =
        #"[{"id":1,"name":"Analytical Engine","status":"active"},{"id":2,"name":"Difference Engine","status":"paused"}]"#

    static func router(_ state: SandboxState) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/authorize") { request, _ -> Response in
            switch await state.authorize(query(request)) {
            case .success(let location):
                return Response(status: .found, headers: [.location: location])
            case .failure(let failure):
                return json(
                    failure.status, #"{"error":"\#(failure.code)","error_description":"\#(failure.description)"}"#)
            }
        }
        router.post("/token") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let form = FormEncoding.fields(String(buffer: body))
            switch await state.token(form, basic: basic(request.headers[.authorization])) {
            case .success(let token): return json(200, token.text)
            case .failure(let failure):
                return json(
                    failure.status, #"{"error":"\#(failure.code)","error_description":"\#(failure.description)"}"#)
            }
        }
        router.get("/api/me") { request, _ -> Response in
            guard await state.checkBearer(request.headers[.authorization]) else { return unauthorized() }
            return json(200, #"{"name":"Ada Lovelace","email":"ada@example.com","plan":"pro"}"#)
        }
        router.get("/api/projects") { request, _ -> Response in
            guard await state.checkBearer(request.headers[.authorization]) else { return unauthorized() }
            return json(200, projects)
        }
        router.get("/api/projects/:id/tasks") { request, context -> Response in
            guard await state.checkBearer(request.headers[.authorization]) else { return unauthorized() }
            let id = context.parameters.get("id") ?? "?"
            return json(
                200,
                #"[{"project":\#(id),"task":"Write the first program","done":true},{"project":\#(id),"task":"Compute Bernoulli numbers","done":false}]"#
            )
        }
        return router
    }

    static func query(_ request: Request) -> [String: String] {
        FormEncoding.fields(request.uri.query ?? "")
    }

    static func basic(_ header: String?) -> (String, String)? {
        guard let header, header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (
            String(decoding: PercentEncoding.decode(Array(text[..<colon].utf8), plusAsSpace: true), as: UTF8.self),
            String(
                decoding: PercentEncoding.decode(Array(text[text.index(after: colon)...].utf8), plusAsSpace: true),
                as: UTF8.self)
        )
    }

    static func json(_ status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func unauthorized() -> Response {
        var response = json(401, #"{"error":"invalid_token"}"#)
        response.headers[.wwwAuthenticate] = #"Bearer error="invalid_token""#
        return response
    }
}
