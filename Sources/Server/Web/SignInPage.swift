import Foundation
import Hummingbird
import OAuthCore
import Vault

/// Browser sign-in for team users: the API token printed by `keyflow users add` is
/// exchanged once for a session cookie (HttpOnly, SameSite=Lax, Secure when the public URL
/// is https), so the token itself never sits in the browser.
struct SignInPage {
    let sessions: WebSessions
    let home: KeyflowHome

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/signin") { request, _ in
            let csrf = CSRF.token(in: request) ?? CSRF.newToken()
            let query = VaultPage.query(request)
            return HTML.page(title: "Sign in", body: try form(csrf: csrf, next: query["next"]), notice: query["notice"], headers: CSRF.cookie(csrf))
        }
        router.post("/signin") { request, _ in
            let form = try await CSRF.checkedForm(request)
            let next = Self.safeNext(form["next"])
            guard let (_, cookie) = try sessions.signIn(token: (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) else {
                return HTML.redirect("/signin?notice=" + PercentEncoding.encode("That API token is not valid.") + "&next=" + PercentEncoding.encode(next))
            }
            return HTML.redirect(next, headers: [.setCookie: sessionCookie(cookie, maxAge: Int(WebSessions.lifetime))])
        }
        router.post("/signout") { request, _ in
            _ = try await CSRF.checkedForm(request)
            return HTML.redirect("/signin?notice=" + PercentEncoding.encode("Signed out."), headers: [.setCookie: sessionCookie("", maxAge: 0)])
        }
    }

    func sessionCookie(_ value: String, maxAge: Int) -> String {
        let secure = home.publicURL.lowercased().hasPrefix("https://") ? "; Secure" : ""
        return "\(WebSessions.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax\(secure)"
    }

    /// Where to go after signing in: a path on this server only (never `//host` or a URL).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/vault" }
        return next
    }

    /// What `signin.mustache` shows.
    struct View {
        var csrf: String
        var next: String
    }

    func form(csrf: String, next: String?) throws -> String {
        try Templates.render("signin", View(csrf: csrf, next: Self.safeNext(next)))
    }
}
