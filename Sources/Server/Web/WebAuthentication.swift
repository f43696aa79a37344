import Foundation
import Hummingbird
import OAuthCore
import Vault

/// Who is using the web pages. Without users (the embedded single-user default) everyone is
/// the local team, which is safe because `serve` then binds to loopback only. With users,
/// the session cookie set by signing in names the user and so the team; without a valid one
/// the browser is sent to the sign-in page.
struct WebAuthentication: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    let sessions: WebSessions
    let store: any VaultStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let users = try store.users()
        if users.isEmpty {
            context.team = Vault.localTeam
        } else if let cookie = request.cookies[WebSessions.cookieName]?.value, let user = sessions.user(cookie: cookie, among: users) {
            context.team = user.team
            context.userName = user.name
        } else {
            // Only same-site paths go into `next`, so the sign-in page can't be made to
            // redirect anywhere else.
            let next = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/vault"
            return HTML.redirect("/signin?next=" + PercentEncoding.encode(next))
        }
        return try await next(request, context)
    }
}
