import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import TestSupport
import Testing
import Vault

/// The pages' markup under a strict Content-Security-Policy: no inline script, style or
/// event handler anywhere, so text a user stored (a connection's name) can never run.
struct PageSecurityTests {
    static let policy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
    /// Breaks out of a JavaScript string literal: harmless as text, an alert if it ever runs.
    static let scriptName = "x');alert(1);('"

    /// What in a page would run or style without a file of ours: inline `<script>` code,
    /// `<style>`, `on…=` handlers, `style=` attributes and `javascript:` URLs.
    static func inlineCode(in html: String) -> [String] {
        var found: [String] = []
        let tag = /<[a-zA-Z][^>]*>/
        let handler = /\s(on[a-zA-Z]+)\s*=/
        let style = /\sstyle\s*=/
        for match in html.matches(of: tag) {
            let text = String(match.output)
            if let name = text.firstMatch(of: handler)?.output.1 { found.append("handler \(name) in \(text)") }
            if text.contains(style) { found.append("style attribute in \(text)") }
            if text.lowercased().contains("javascript:") { found.append("javascript: URL in \(text)") }
            if text.lowercased().hasPrefix("<style") { found.append("style element") }
        }
        // A script element is allowed only as a reference to a file (or as JSON data).
        for match in html.matches(of: /<script\b([^>]*)>([\s\S]*?)<\/script>/) {
            let attributes = String(match.output.1)
            let content = String(match.output.2)
            let isData = attributes.contains("type=\"application/json\"")
            if !isData
                && (!attributes.contains("src=") || !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            {
                found.append("inline script \(match.output.0.prefix(120))")
            }
        }
        return found
    }

    /// Asserts the headers and markup every HTML response must have.
    static func expectHardened(
        _ response: TestResponse, _ route: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            response.headers[.contentType]?.hasPrefix("text/html") == true, "\(route) is not HTML",
            sourceLocation: sourceLocation)
        #expect(
            response.headers[.contentSecurityPolicy] == policy,
            "\(route): CSP \(response.headers[.contentSecurityPolicy] ?? "none")",
            sourceLocation: sourceLocation)
        #expect(
            response.headers[.xContentTypeOptions] == "nosniff", "\(route): X-Content-Type-Options",
            sourceLocation: sourceLocation)
        let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy").flatMap { response.headers[$0] }
        #expect(referrerPolicy == "same-origin", "\(route): Referrer-Policy", sourceLocation: sourceLocation)
        let html = String(buffer: response.body)
        #expect(inlineCode(in: html) == [], "\(route)", sourceLocation: sourceLocation)
    }

    /// Finding 4: a connection's name once went, HTML-escaped, into a JavaScript string in an
    /// `onsubmit` attribute; the browser decodes the attribute before running it, so the name
    /// closed the string and ran. Now no attribute runs anything, and the confirmation text is
    /// data for the static script.
    @Test func aConnectionNameNeverReachesAnEventHandler() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        let connection = try await vault.add(
            kind: "custom-oauth2", name: Self.scriptName,
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": "secret-0123456789",
                    "authorizationURL": "https://a.example/authorize",
                    "tokenURL": "https://a.example/token",
                ]))
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault", method: .get)
            let html = String(buffer: page.body)
            #expect(Self.inlineCode(in: html) == [])
            #expect(!html.contains("onsubmit"))
            // The Remove form asks through a data attribute the static script reads.
            #expect(
                html.contains(
                    "action=\"/vault/connections/\(connection.id)/remove\" data-confirm=\"Remove x&#39;);alert(1);(&#39;? Its secrets and tokens are deleted.\""
                ))
        }
    }

    /// Finding 14: every page the server renders carries the strict policy and has nothing
    /// inline that the policy would have to allow.
    @Test func everyHTMLResponseCarriesTheStrictPolicyAndNothingInline() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        try await AgentsPageTests.write(AgentsPageTests.agent(url: "https://api.example/me"), as: "api", in: vault)
        try await AgentsPageTests.write(
            try Repository.text("fixtures/smythos-agents/functions-components.smyth"), as: "functions", in: vault)
        let connection = try await vault.add(
            kind: "custom-oauth2", name: Self.scriptName,
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": "secret-0123456789",
                    "authorizationURL": "https://a.example/authorize",
                    "tokenURL": "https://a.example/token",
                ]))
        try await vault.setKey("TOKEN", value: "key-value-1")
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/vault", method: .get)
            Self.expectHardened(first, "GET /vault")
            let csrf = try #require(VaultPageTests.csrf(from: first))
            let cookie: HTTPFields = [.cookie: csrf.cookies]
            for uri in [
                "/signin", "/signin?notice=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/vault?notice=%3Cb%20onclick%3Dx%3E",
                "/vault/connections/\(connection.id)/edit", "/agents", "/agents/api", "/agents/api/revisions",
                "/agents/functions",
                "/vault/connections/no-such-id/edit", "/agents/no-such-agent",
            ] {
                Self.expectHardened(try await client.execute(uri: uri, method: .get, headers: cookie), "GET \(uri)")
            }
            let posts: [(String, String)] = [
                // Each of these answers with a page, not a redirect.
                ("/vault/connections", "kind=custom-oauth2&name=New&tokenURL=not-a-url"),
                (
                    "/vault/connections",
                    "attach_agent=api&attach_component=CALL&kind=custom-oauth2&name=New&tokenURL=not-a-url"
                ),
                ("/vault/connections/\(connection.id)/edit", "name=Renamed&tokenURL=nope"),
                ("/vault/connections/\(connection.id)/authenticate", ""),
                ("/agents/functions/run", "endpoint=hash&input.data=Hello"),
                ("/agents/api/run", "endpoint=NOPE"),
            ]
            for (uri, form) in posts {
                let response = try await AgentsPageTests.post(client, uri, csrf: csrf, form)
                Self.expectHardened(response, "POST \(uri)")
            }
            // Signed in, the layout's header adds the user, the team and the sign-out forms.
            let (_, token) = try await Users.add(name: "ada", team: Vault.localTeam, store: root.accounts)
            let signedIn = try await WebSessionTests.signIn(client, token: token)
            let page = try await client.execute(uri: "/vault", method: .get, headers: [.cookie: signedIn.cookies])
            Self.expectHardened(page, "GET /vault signed in")
            #expect(String(buffer: page.body).contains("id=\"sign-out\""))
            #expect(String(buffer: page.body).contains("id=\"sign-out-everywhere\""))
        }
    }

    /// The CSS and JavaScript the pages link are compiled in and served with their types.
    @Test func staticFilesAreServedFromTheBinaryWithTypesAndCaching() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/signin", method: .get).body)
            #expect(html.contains("<link rel=\"stylesheet\" href=\"/static/keyflow.css\">"))
            #expect(html.contains("<script src=\"/static/keyflow.js\" defer></script>"))
            for (path, type) in [
                ("/static/keyflow.css", "text/css; charset=utf-8"),
                ("/static/keyflow.js", "text/javascript; charset=utf-8"),
            ] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == type, "\(path)")
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(response.headers[.cacheControl]?.contains("max-age=") == true, "\(path)")
                #expect(response.body.readableBytes > 100, "\(path)")
            }
            #expect(try await client.execute(uri: "/static/nope.js", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/static/..%2FPackage.swift", method: .get).status == .notFound)
        }
    }

    /// Chromium applies `form-action` to where a form's POST redirects, so a login that
    /// redirected from the POST straight to the provider would be blocked. The POST now
    /// answers with a same-origin page whose link (followed by the static script) goes on.
    @Test func aLoginMovesOnToTheProviderFromASameOriginPage() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let csrf = try #require(VaultPageTests.csrf(from: try await client.execute(uri: "/vault", method: .get)))
            let added = try await AgentsPageTests.post(
                client, "/vault/connections", csrf: csrf,
                "kind=custom-oauth2&name=Web&clientID=app&clientSecret=s3cret-web-0001"
                    + "&authorizationURL=https%3A%2F%2Fauth.example%2Fauthorize&tokenURL=https%3A%2F%2Fauth.example%2Ftoken"
            )
            #expect(added.status == .ok && added.headers[.location] == nil)
            Self.expectHardened(added, "POST /vault/connections")
            let url = try #require(Self.continueLink(in: String(buffer: added.body)))
            #expect(url.hasPrefix("https://auth.example/authorize?") && url.contains("state="))
            let id = try #require(try await root.forTeam(Vault.localTeam).list().first?.id)
            let again = try await AgentsPageTests.post(client, "/vault/connections/\(id)/authenticate", csrf: csrf, "")
            #expect(again.status == .ok && again.headers[.location] == nil)
            #expect(
                Self.continueLink(in: String(buffer: again.body))?.hasPrefix("https://auth.example/authorize?") == true)
        }
    }

    /// The provider link on a login's interstitial page, unescaped.
    static func continueLink(in html: String) -> String? {
        guard let match = html.firstMatch(of: /<a id="continue-login" href="([^"]*)"/) else { return nil }
        return String(match.output.1).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(
            of: "&#39;", with: "'"
        )
        .replacingOccurrences(of: "&quot;", with: "\"")
    }

    /// `keyflow vault auth`'s own callback page (served without the web UI) follows the policy too.
    @Test func theStandaloneCallbackPageHasNoInlineStyle() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-callback-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault.forTeam(Vault.localTeam)
        let router = Router()
        CallbackRoutes.add(
            to: router,
            flows: AuthorizationFlows(vault: vault, transport: transport, callbacks: PublicURL.default.callbacks))
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(
                uri: CallbackURLs.oauth2Path + "?state=unknown&code=%3Cstyle%3E", method: .get)
            #expect(response.status == .badRequest)
            Self.expectHardened(response, "GET callback")
        }
    }

    /// Templates escape every value; the places that insert markup unescaped are the layout's
    /// body, which is itself the output of a template, and an agent's graph on the agent and
    /// run pages, which `AgentGraphSVG` escapes itself (`AgentGraphTests.hostileNamesStayTextInTheDrawing`).
    @Test func templatesInsertNothingUnescapedButTheRenderedBodyAndTheGraph() throws {
        let folder = Repository.url("Sources/Server/Web/Templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".mustache")
        }
        #expect(names.contains("layout.mustache"))
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let raw = text.matches(of: /\{\{\{[^}]*\}\}\}|\{\{&[^}]*\}\}/).map { String($0.output) }
            let allowed: [String: [String]] = [
                "layout.mustache": ["{{{body}}}"], "agent.mustache": ["{{{graph}}}"], "run.mustache": ["{{{graph}}}"],
            ]
            #expect(raw == allowed[name, default: []], "\(name)")
        }
    }
}
