import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import TestSupport
import Testing
import Vault

/// The Vault web page: the list, the Add dialog per kind, CSRF on every form.
struct VaultPageTests {
    /// A browser on the pages: the session cookie it was given and its forms' CSRF token.
    struct PageSession: Sendable {
        let cookies: String
        let csrf: String
    }

    static func csrf(from response: TestResponse) -> PageSession? {
        (try? WebSessionTests.session(from: response)).map { PageSession(cookies: $0.cookies, csrf: $0.csrf) }
    }

    @Test func addAuthenticateAndRemoveThroughTheForms() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault", method: .get)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(
                html.contains("OAuth Connections") && html.contains("Add OAuth Connection")
                    && html.contains("Select Provider"))
            for kind in [
                "google", "linkedin", "x-oauth1", "x-oauth2", "custom-oauth2", "custom-oauth1", "client-credentials",
            ] {
                #expect(html.contains("<option value=\"\(kind)\""))
            }
            #expect(html.contains("Callback Path") && html.contains("Enable PKCE"))
            let token = try #require(Self.csrf(from: page))
            let form =
                "kind=custom-oauth2&name=Web&clientID=app&clientSecret=s3cret-web-0001&authorizationURL=https%3A%2F%2Fauth.example%2Fauthorize"
                + "&tokenURL=https%3A%2F%2Fauth.example%2Ftoken&pkce=on"
            let forged = try await client.execute(
                uri: "/vault/connections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(string: form + "&csrf=wrong"))
            #expect(forged.status == .forbidden)
            #expect(try await vault.forTeam(Vault.localTeam).list().isEmpty)
            let added = try await client.execute(
                uri: "/vault/connections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(string: form + "&csrf=\(token.csrf)"))
            // The login goes on to the provider from a page of ours (form-action 'self').
            #expect(added.status == .ok)
            let location = try #require(PageSecurityTests.continueLink(in: String(buffer: added.body)))
            #expect(location.hasPrefix("https://auth.example/authorize?") && location.contains("code_challenge="))
            let connection = try #require(try await vault.forTeam(Vault.localTeam).list().first)
            let listed = String(
                buffer: try await client.execute(uri: "/vault", method: .get, headers: [.cookie: token.cookies]).body)
            #expect(listed.contains("Web") && listed.contains("needs-auth") && !listed.contains("s3cret-web-0001"))
            let removed = try await client.execute(
                uri: "/vault/connections/\(connection.id)/remove", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(string: "csrf=\(token.csrf)"))
            #expect(removed.status == .seeOther)
            #expect(try await vault.forTeam(Vault.localTeam).list().isEmpty)
        }
    }

    @Test func anAPIKeyAddedThroughTheFormIsReadyWithSetKeyAndTheKeyIsNeverShown() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let key = "sk-page-canary-31b7e0c4"
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault", method: .get)
            #expect(String(buffer: page.body).contains("<option value=\"api-key\""))
            let token = try #require(Self.csrf(from: page))
            let added = try await client.execute(
                uri: "/vault/connections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(
                    string: "kind=api-key&name=Models&apiKey=\(key)&headerName=x-api-key&headerPrefix="
                        + "&queryParameter=&allowedHosts=api.anthropic.com&csrf=\(token.csrf)"))
            // No login to go on to: straight back to the Vault.
            #expect(added.status == .seeOther)
            let connection = try #require(try await vault.forTeam(Vault.localTeam).list().first)
            #expect(connection.status == .ready && connection.settings.headerName == "x-api-key")
            let listed = String(
                buffer: try await client.execute(uri: "/vault", method: .get, headers: [.cookie: token.cookies]).body)
            let row = try #require(listed.components(separatedBy: "<tr data-id=\"\(connection.id)\"").last)
                .components(separatedBy: "</tr>")[0]
            #expect(row.contains("Set key") && !row.contains("Authenticate"))
            let edit = String(
                buffer: try await client.execute(
                    uri: "/vault/connections/\(connection.id)/edit", method: .get, headers: [.cookie: token.cookies]
                ).body)
            #expect(edit.contains("x-api-key"))
            #expect(!listed.contains(key) && !edit.contains(key))
        }
    }
}

/// The seed's journey in the Vault page against the Authlib peer: add a Custom OAuth 2.0
/// connection with PKCE, approve at the provider, come back ready.
struct VaultPageLoginTests {
    @Test func addConnectionApproveAtTheProviderAndComeBackReady() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let token = try #require(VaultPageTests.csrf(from: try await client.execute(uri: "/vault", method: .get)))
            let form =
                "csrf=\(token.csrf)&kind=custom-oauth2&name=Peer&clientID=pkce-client&clientSecret=secret-pkce&scopes=read&pkce=on"
                + "&authorizationURL=\(PercentEncoding.encode(peer.baseURL + "/authorize"))&tokenURL=\(PercentEncoding.encode(peer.baseURL + "/token"))"
            let added = try await client.execute(
                uri: "/vault/connections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(string: form))
            let authorize = try #require(PageSecurityTests.continueLink(in: String(buffer: added.body)))
            // The user approves at the provider, which redirects the browser to our callback.
            let callback = try RequestURL(try await ConsentPage.decide(authorize, using: transport))
            // The browser that started the login brings its session cookie back with it.
            let back = try await client.execute(
                uri: callback.path + "?" + (callback.query ?? ""), method: .get, headers: [.cookie: token.cookies])
            #expect(back.status == .seeOther && back.headers[.location]?.hasPrefix("/vault?notice=") == true)
            let connection = try #require(try await vault.forTeam(Vault.localTeam).list().first)
            #expect(connection.status == .ready)
            let page = String(
                buffer: try await client.execute(uri: "/vault", method: .get, headers: [.cookie: token.cookies]).body)
            #expect(page.contains("status-ready"))
        }
    }
}

/// The Edit form keeps secrets unless replaced, and signs out only when authentication changes.
struct EditFormTests {
    /// The local team's custom OAuth 2.0 connection with a client secret and tokens, as the
    /// Edit form tests start from; `extra` adds settings.
    static func signedInConnection(_ root: Vault, extra: [String: String] = [:]) async throws -> (Vault, String) {
        let vault = root.forTeam(Vault.localTeam)
        let text = [
            "clientID": "app", "clientSecret": "old-secret-123456789",
            "authorizationURL": "https://a.example/authorize",
            "tokenURL": "https://a.example/token",
        ].merging(extra) { $1 }
        let id = try await vault.add(kind: "custom-oauth2", name: "API", input: ConnectionInput(text: text)).id
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        return (vault, id)
    }

    @Test func savingUnchangedKeepsTokensAndANewSecretSignsOut() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let (vault, id) = try await EditFormTests.signedInConnection(root)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault/connections/\(id)/edit", method: .get)
            let html = String(buffer: page.body)
            #expect(html.contains("••••6789") && !html.contains("old-secret-123456789"))
            let token = try #require(VaultPageTests.csrf(from: page))
            func save(_ fields: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/vault/connections/\(id)/edit", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                    body: ByteBuffer(string: "csrf=\(token.csrf)&" + fields))
            }
            let unchanged =
                "name=Renamed&clientID=app&clientSecret=&authorizationURL=https%3A%2F%2Fa.example%2Fauthorize"
                + "&tokenURL=https%3A%2F%2Fa.example%2Ftoken&scopes=&pkce_present=1&allowedHosts="
            #expect(try await save(unchanged).status == .seeOther)
            #expect(try await vault.connection(id).name == "Renamed")
            #expect(try await vault.connection(id).hasTokens)
            #expect(try await vault.secrets(of: id).clientSecret == "old-secret-123456789")
            // A bad value: nothing is saved, the form comes back with the problem by the field.
            let rejected = try await save(
                unchanged.replacingOccurrences(of: "tokenURL=https%3A%2F%2Fa.example%2Ftoken", with: "tokenURL=nope")
                    .replacingOccurrences(of: "clientSecret=", with: "clientSecret=typed-but-rejected"))
            #expect(rejected.status == .unprocessableContent)
            let form = String(buffer: rejected.body)
            #expect(form.contains("value=\"nope\"></label><span class=\"field-error\">“Token URL”"))
            #expect(!form.contains("typed-but-rejected") && !form.contains("old-secret-123456789"))
            #expect(try await vault.connection(id).settings.tokenURL == "https://a.example/token")
            #expect(try await vault.connection(id).hasTokens)
            #expect(
                try await save(unchanged.replacingOccurrences(of: "clientSecret=", with: "clientSecret=new-secret"))
                    .status == .seeOther)
            #expect(try await !vault.connection(id).hasTokens)
            #expect(try await vault.secrets(of: id).clientSecret == "new-secret")
        }
    }

    /// The Vault's typed problem lands at its field of the Add dialog, called by the field's label.
    @Test func aBadTokenURLIsMarkedAtItsFieldInTheAddDialog() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let token = try #require(VaultPageTests.csrf(from: try await client.execute(uri: "/vault", method: .get)))
            let form =
                "kind=custom-oauth2&name=Web&clientID=app&authorizationURL=https%3A%2F%2Fa.example%2Fa&tokenURL=nope&consumerKey="
            let response = try await client.execute(
                uri: "/vault/connections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(string: form + "&csrf=\(token.csrf)"))
            #expect(response.status == .unprocessableContent)
            let html = String(buffer: response.body)
            let start = try #require(html.range(of: "data-field=\"tokenURL\""))
            let div =
                html[start.upperBound...].prefix { $0 != "\n" }.components(separatedBy: "<div class=\"field\"").first
                ?? ""
            #expect(div.contains("<span class=\"field-error\">“Token URL”: "), "\(div)")
            #expect(!html.contains("--token-url") && !html.contains("tokenURL:"))
            await #expect(try vault.forTeam(Vault.localTeam).list().isEmpty)
        }
    }

    /// The Add dialog's "Sign non-form bodies" checkbox was read as text and dropped; the one
    /// decoder reads it as the boolean it is.
    @Test func theAddDialogsBodyHashCheckboxIsKept() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let token = try #require(VaultPageTests.csrf(from: try await client.execute(uri: "/vault", method: .get)))
            let form =
                "kind=custom-oauth1&name=Signed&consumerKey=ck&consumerSecret=cs&bodyHash=on&clientID=&scopes="
                + "&requestTokenURL=https%3A%2F%2F127.0.0.1%3A1%2Frt&accessTokenURL=https%3A%2F%2F127.0.0.1%3A1%2Fat"
                + "&userAuthorizationURL=https%3A%2F%2F127.0.0.1%3A1%2Fauthorize"
            _ = try await client.execute(
                uri: "/vault/connections", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(string: form + "&csrf=\(token.csrf)"))
            let connection = try await #require(try vault.forTeam(Vault.localTeam).list().first)
            #expect(connection.settings.bodyHash == true)
        }
    }

    /// A browser submits every field of the form, the unset ones empty: an empty Client
    /// Authentication (a setting the connection never had) is no choice, not a bad one.
    @Test func emptyOptionalChoicesAreUnsetNotRejected() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        let id = try await vault.add(
            kind: "custom-oauth2", name: "API",
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": "old-secret-123456789",
                    "authorizationURL": "https://a.example/authorize",
                    "tokenURL": "https://a.example/token", "clientAuthentication": "client_secret_post",
                ])
        ).id
        try await app.test(.router) { client in
            let token = try #require(
                VaultPageTests.csrf(from: try await client.execute(uri: "/vault/connections/\(id)/edit", method: .get)))
            let all =
                "name=Renamed&clientID=app&clientSecret=&authorizationURL=https%3A%2F%2Fa.example%2Fauthorize"
                + "&tokenURL=https%3A%2F%2Fa.example%2Ftoken&scopes=&pkce_present=1&revocationURL=&clientAuthentication=&allowedHosts="
            let saved = try await client.execute(
                uri: "/vault/connections/\(id)/edit", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: token.cookies],
                body: ByteBuffer(string: "csrf=\(token.csrf)&" + all))
            #expect(saved.status == .seeOther)
            #expect(try await vault.connection(id).name == "Renamed")
            // Emptied, the setting is cleared and the kind's default applies again.
            #expect(try await vault.connection(id).settings.clientAuthentication == nil)
        }
    }
}
