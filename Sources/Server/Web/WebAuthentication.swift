import Foundation
import Hummingbird
import OAuthCore
import Vault

/// Who is using the web pages. Without users (the embedded single-user default) everyone is
/// the local team, which is safe because `serve` then binds to loopback only and the request
/// boundary refuses other sites. With users, the browser's session (`BrowserSessions`) must
/// be a signed-in user's; otherwise the browser is sent to the sign-in page.
struct WebAuthentication: RouterMiddleware {
    typealias Context = KeyflowRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if !context.usersExist {
            context.team = Vault.localTeam
            context.account = Context.localAccount
            context.actor = Context.localAccount
        } else if let user = context.session?.user {
            context.team = user.team
            context.userName = user.name
            context.account = user.id
            context.actor = "user:" + user.name
        } else {
            // Only same-site paths go into `next`, and the sign-in page checks it again.
            let next = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/vault"
            return HTML.redirect("/signin?next=" + PercentEncoding.encode(next))
        }
        let actor = context.actor
        return try await Attribution.with(Attribution(actor: actor)) { try await next(request, context) }
    }
}
