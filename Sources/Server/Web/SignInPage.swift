import Accounts
import Foundation
import Hummingbird
import OAuthCore
import Vault

/// Browser sign-in for team users: the API token printed by `keyflow users add` is
/// exchanged once for a session cookie (HttpOnly, SameSite=Lax, Secure when the public URL
/// is https), so the token itself never sits in the browser. Signing out ends the session
/// on the server; "sign out everywhere" ends all of the user's sessions.
struct SignInPage {
    let sessions: WebSessions
    /// The server's vault: a sign-in goes into the user's team's audit trail.
    let root: Vault
    let publicURL: PublicURL

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/signin") { request, context in
            let query = VaultPage.query(request)
            return HTML.page(
                title: "Sign in", body: try form(csrf: CSRF.token(context), next: query["next"]),
                notice: query["notice"])
        }
        router.post("/signin") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let next = Self.safeNext(form["next"])
            guard
                let (user, cookie) = try await sessions.signIn(
                    token: (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                return HTML.redirect(
                    "/signin?notice=" + PercentEncoding.encode("That API token is not valid.") + "&next="
                        + PercentEncoding.encode(next))
            }
            await Attribution.with(Attribution(actor: "user:" + user.name)) {
                await root.forTeam(user.team).emit(.signIn, connection: nil, name: nil, detail: "browser session")
            }
            // A new session id on signing in: an id planted in the browser before can't be carried over.
            return HTML.redirect(next, headers: [.setCookie: sessionCookie(cookie, maxAge: Int(WebSessions.lifetime))])
        }
        router.post("/signout") { request, context in
            _ = try await CSRF.checkedForm(request, context)
            if let session = context.session { try await sessions.end(session) }
            return HTML.redirect(
                "/signin?notice=" + PercentEncoding.encode("Signed out."),
                headers: [.setCookie: sessionCookie("", maxAge: 0)])
        }
        router.post("/signout-everywhere") { request, context in
            _ = try await CSRF.checkedForm(request, context)
            if let user = context.session?.user { try await sessions.endAll(of: user) }
            return HTML.redirect(
                "/signin?notice=" + PercentEncoding.encode("Signed out on every browser and device."),
                headers: [.setCookie: sessionCookie("", maxAge: 0)])
        }
    }

    func sessionCookie(_ value: String, maxAge: Int) -> String {
        BrowserSessions.cookie(value, maxAge: maxAge, publicURL: publicURL)
    }

    /// Where to go after signing in: a plain absolute path on this server, else `/vault`.
    /// Browsers drop tabs and newlines from a `Location` and read `\\` as `/`, so `/\t/host`
    /// or `/\\host` would leave the server: only printable ASCII is kept, with no backslash,
    /// no `//` anywhere, and a single leading `/` (so no scheme either).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.contains("//"),
            next.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "\\" })
        else { return "/vault" }
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
