import Accounts
import Foundation
import Hummingbird
import Vault

/// Gives every browser on the web pages a session: the one its `kf_session` cookie names
/// when that is still valid, else a new anonymous one whose cookie is set on the response.
/// The CSRF token of the page's forms derives from it (`CSRF.token`).
struct BrowserSessions: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    let sessions: WebSessions
    let store: any AccountStore
    let publicURL: PublicURL

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let users = try await store.users()
        context.usersExist = !users.isEmpty
        if let cookie = request.cookies[WebSessions.cookieName]?.value,
            let session = try await sessions.session(cookie: cookie, among: users)
        {
            context.session = session
            return try await next(request, context)
        }
        let (session, cookie) = sessions.anonymous()
        context.session = session
        var response = try await next(request, context)
        // A handler that sets the session cookie itself (signing in or out) wins.
        if !response.headers[values: .setCookie].contains(where: { $0.hasPrefix(WebSessions.cookieName + "=") }) {
            response.headers[values: .setCookie].append(
                Self.cookie(cookie, maxAge: Int(WebSessions.lifetime), publicURL: publicURL))
        }
        return response
    }

    /// The session cookie: HttpOnly, SameSite=Lax (so the provider's redirect back to the
    /// callback carries it), Secure when the public URL is https.
    static func cookie(_ value: String, maxAge: Int, publicURL: PublicURL) -> String {
        let secure = publicURL.isHTTPS ? "; Secure" : ""
        return "\(WebSessions.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax\(secure)"
    }
}
