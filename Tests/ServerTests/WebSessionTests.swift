import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import Testing
import Vault

/// Browser sign-in: API token → session cookie, and what the cookie does and does not allow.
struct WebSessionTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func cookie(_ name: String, in response: TestResponse) -> String? {
        for field in response.headers[values: .setCookie] {
            guard field.hasPrefix(name + "=") else { continue }
            return String(field.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    /// The cookies a page set, as a `Cookie` header, and the CSRF token its forms carry.
    static func session(from page: TestResponse) throws -> (cookies: String, csrf: String) {
        let cookies = page.headers[values: .setCookie].map { String($0.prefix { $0 != ";" }) }.joined(separator: "; ")
        let html = String(buffer: page.body)
        let marker = "name=\"csrf\" value=\""
        let start = try #require(html.range(of: marker), "the page has no form with a CSRF token")
        return (cookies, String(html[start.upperBound...].prefix { $0 != "\"" }))
    }

    static func setCookie(_ name: String, in response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    /// Signs in at `/signin` as a browser would: returns the session's `Cookie` header and
    /// the CSRF token of its pages.
    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> (cookies: String, csrf: String)
    {
        let (cookies, csrf) = try session(from: try await client.execute(uri: "/signin", method: .get))
        var headers = form
        headers[.cookie] = cookies
        let signedIn = try await client.execute(
            uri: "/signin", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)&token=\(token)"))
        let session = try #require(cookie("kf_session", in: signedIn), "signing in set no session cookie")
        return try Self.session(
            from: try await client.execute(uri: "/vault", method: .get, headers: [.cookie: "kf_session=\(session)"]),
            cookies: "kf_session=\(session)")
    }

    /// The same as `session(from:)` for a browser that keeps its cookies.
    static func session(from page: TestResponse, cookies: String) throws -> (cookies: String, csrf: String) {
        (cookies, try session(from: page).csrf)
    }

    @Test func sessionsAreStoredAsHashesCheckedAndExpire() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-sessions-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let (user, token) = try await Users.add(name: "ada", team: "acme", store: vault.accounts)
        let sessions = WebSessions(vault: vault, store: try vault.accounts)
        #expect(try await sessions.signIn(token: "kft_wrong") == nil)
        let cookie = try #require(try await sessions.signIn(token: token)).cookie
        #expect(!cookie.contains(token))
        let session = try #require(try await sessions.session(cookie: cookie))
        #expect(session.user?.id == user.id)
        // Only the hash of the id is stored.
        let id = String(cookie.dropFirst(2))
        #expect(try await vault.accounts.session(idHash: WebSessions.hash(id))?.userID == user.id)
        #expect(try await vault.accounts.session(idHash: id) == nil)
        // Any change to the cookie is refused.
        for forged in ["u." + String(id.reversed()), "u." + id.dropLast(), "a." + id, "u." + id + ".x", "u.", id] {
            #expect(try await sessions.session(cookie: forged) == nil, "\(forged)")
        }
        // Thirteen hours later the session is over.
        let later = WebSessions(
            vault: vault, store: try vault.accounts, clock: { Date().addingTimeInterval(13 * 3600) })
        #expect(try await later.session(cookie: cookie) == nil)
        // Anonymous sessions are signed: a changed id, expiry or MAC is refused, as is another vault's.
        let anonymous = sessions.anonymous()
        #expect(try await sessions.session(cookie: anonymous.cookie) == anonymous.session)
        var parts = anonymous.cookie.split(separator: ".").map(String.init)
        for index in 1..<parts.count {
            var forged = parts
            forged[index] = index == 2 ? String((Int(forged[2]) ?? 0) + 3600) : String(forged[index].reversed())
            #expect(try await sessions.session(cookie: forged.joined(separator: ".")) == nil, "part \(index)")
        }
        parts[3].removeLast()
        #expect(try await sessions.session(cookie: parts.joined(separator: ".")) == nil)
        #expect(try await later.session(cookie: anonymous.cookie) == nil)
        let other = try await Vault.open(home: KeyflowHome(directory: directory.appendingPathComponent("other"))).vault
        #expect(try await WebSessions(vault: other, store: other.accounts).session(cookie: anonymous.cookie) == nil)
    }

    @Test func signInSetsAHardenedCookieAndTeamsSeeOnlyTheirConnections() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: vault.accounts)
        _ = try await Users.add(name: "bob", team: "b", store: vault.accounts)
        let input = ConnectionInput(text: [
            "clientID": "app", "clientSecret": "secret-0123456789", "authorizationURL": "https://a.example/authorize",
            "tokenURL": "https://a.example/token",
        ])
        _ = try await vault.forTeam("a").add(kind: "custom-oauth2", name: "Alice's API", input: input)
        let bobs = try await vault.forTeam("b").add(kind: "custom-oauth2", name: "Bob's API", input: input)
        try await app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/vault", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/signin?next=%2Fvault")
            #expect(try await client.execute(uri: "/agents", method: .get).status == .seeOther)
            let (anonymousCookies, signInCSRF) = try Self.session(
                from: try await client.execute(uri: "/signin", method: .get))
            func signIn(_ token: String, csrf sent: String, next: String = "/agents") async throws -> TestResponse {
                var headers = Self.form
                headers[.cookie] = anonymousCookies
                return try await client.execute(
                    uri: "/signin", method: .post, headers: headers,
                    body: ByteBuffer(string: "csrf=\(sent)&next=\(PercentEncoding.encode(next))&token=\(token)"))
            }
            #expect(try await signIn(alice, csrf: "forged").status == .forbidden)
            let wrong = try await signIn("kft_not-a-token", csrf: signInCSRF)
            #expect(
                wrong.headers[.location]?.hasPrefix("/signin?notice=") == true
                    && Self.setCookie("kf_session", in: wrong) == nil)
            // `next` may only be a path on this server.
            #expect(try await signIn(alice, csrf: signInCSRF, next: "//evil.example/x").headers[.location] == "/vault")
            let signedIn = try await signIn(alice, csrf: signInCSRF)
            #expect(signedIn.headers[.location] == "/agents")
            let setCookie = try #require(Self.setCookie("kf_session", in: signedIn))
            #expect(
                setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && !setCookie.contains("Secure"))
            #expect(!setCookie.contains(alice))
            let session = try #require(Self.cookie("kf_session", in: signedIn))
            let cookies = "kf_session=\(session)"
            let vaultResponse = try await client.execute(uri: "/vault", method: .get, headers: [.cookie: cookies])
            let csrf = try Self.session(from: vaultResponse).csrf
            let vaultPage = String(buffer: vaultResponse.body)
            #expect(vaultPage.contains("Alice&#39;s API") || vaultPage.contains("Alice's API"))
            #expect(!vaultPage.contains("Bob") && vaultPage.contains("alice · team a"))
            // Bob's connection id, used from Alice's session, is not found and stays.
            var headers = Self.form
            headers[.cookie] = cookies
            for action in ["remove", "duplicate", "sign-out"] {
                _ = try await client.execute(
                    uri: "/vault/connections/\(bobs.id)/\(action)", method: .post, headers: headers,
                    body: ByteBuffer(string: "csrf=\(csrf)"))
            }
            #expect(try await vault.forTeam("b").list().map(\.name) == ["Bob's API"])
            #expect(
                try await client.execute(
                    uri: "/vault/connections/\(bobs.id)/edit", method: .get, headers: [.cookie: cookies]
                ).status == .notFound)
            // The session cookie is for pages only: the JSON API still wants a Bearer token.
            #expect(
                try await client.execute(uri: "/api/v1/connections", method: .get, headers: [.cookie: cookies]).status
                    == .unauthorized)
            let signedOut = try await client.execute(
                uri: "/signout", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(Self.setCookie("kf_session", in: signedOut)?.contains("Max-Age=0") == true)
        }
    }

    @Test func theCookieIsSecureWhenThePublicURLIsHTTPS() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(
            transport: transport, publicURL: PublicURL("https://keyflow.example"))
        let (_, token) = try await Users.add(name: "ada", team: "acme", store: vault.accounts)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/signin", method: .get)
            #expect(Self.setCookie("kf_session", in: page)?.contains("; Secure") == true)
            let (cookies, csrf) = try Self.session(from: page)
            var headers = Self.form
            headers[.cookie] = cookies
            let response = try await client.execute(
                uri: "/signin", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(csrf)&token=\(token)")
            )
            #expect(Self.setCookie("kf_session", in: response)?.contains("; Secure") == true)
        }
    }

    /// The seed's example: one member creates a connection, a teammate picks it in an agent
    /// without configuring anything.
    @Test func aTeammateSeesAndPicksAConnectionSomeoneElseCreated() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "growth", store: vault.accounts)
        let (_, carol) = try await Users.add(name: "carol", team: "growth", store: vault.accounts)
        try await AgentsPageTests.write(
            AgentsPageTests.agent(url: "https://auth.example/me"), as: "api", in: vault.forTeam("growth"))
        try await app.test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post,
                headers: [.authorization: "Bearer \(alice)", .contentType: "application/json"],
                body: ConnectionsAPITests.body(ConnectionsAPITests.createCustom))
            let id = try #require(ConnectionsAPITests.json(created.body)["id"]?.stringValue)
            let (cookies, csrf) = try await Self.signIn(client, token: carol)
            var headers = Self.form
            headers[.cookie] = cookies
            let page = String(buffer: try await client.execute(uri: "/agents/api", method: .get, headers: headers).body)
            #expect(page.contains("<option value=\"\(id)\">API — Custom OAuth 2.0"))
            let picked = try await client.execute(
                uri: "/agents/api/components/CALL/oauth", method: .post, headers: headers,
                body: ByteBuffer(string: "csrf=\(csrf)&connection=\(id)"))
            #expect(picked.status == .seeOther)
            #expect(
                try await AgentsPageTests.connectionID(of: "api", in: vault.forTeam("growth"), component: "CALL") == id)
        }
    }
}
