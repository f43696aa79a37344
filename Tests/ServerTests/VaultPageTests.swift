import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import Testing
import Vault

/// The Vault web page: the list, the Add dialog per kind, CSRF on every form.
struct VaultPageTests {
    static func csrf(from response: TestResponse) -> String? {
        guard let cookie = response.headers[.setCookie], let start = cookie.range(of: "kf_csrf=") else { return nil }
        return String(cookie[start.upperBound...].prefix { $0 != ";" })
    }

    @Test func addAuthenticateAndRemoveThroughTheForms() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault", method: .get)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("OAuth Connections") && html.contains("Add OAuth Connection") && html.contains("Select Provider"))
            for kind in ["google", "linkedin", "x-oauth1", "x-oauth2", "custom-oauth2", "custom-oauth1", "client-credentials"] {
                #expect(html.contains("<option value=\"\(kind)\">"))
            }
            #expect(html.contains("Callback Path") && html.contains("Enable PKCE"))
            let token = try #require(Self.csrf(from: page))
            let form = "kind=custom-oauth2&name=Web&clientID=app&clientSecret=s3cret-web-0001&authorizationURL=https%3A%2F%2Fauth.example%2Fauthorize"
                + "&tokenURL=https%3A%2F%2Fauth.example%2Ftoken&pkce=on"
            let forged = try await client.execute(uri: "/vault/connections", method: .post,
                                                  headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "kf_csrf=\(token)"],
                                                  body: ByteBuffer(string: form + "&csrf=wrong"))
            #expect(forged.status == .forbidden)
            #expect(try vault.forTeam(Vault.localTeam).list().isEmpty)
            let added = try await client.execute(uri: "/vault/connections", method: .post,
                                                 headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "kf_csrf=\(token)"],
                                                 body: ByteBuffer(string: form + "&csrf=\(token)"))
            #expect(added.status == .seeOther)
            let location = try #require(added.headers[.location])
            #expect(location.hasPrefix("https://auth.example/authorize?") && location.contains("code_challenge="))
            let connection = try #require(try vault.forTeam(Vault.localTeam).list().first)
            let listed = String(buffer: try await client.execute(uri: "/vault", method: .get, headers: [.cookie: "kf_csrf=\(token)"]).body)
            #expect(listed.contains("Web") && listed.contains("needs-auth") && !listed.contains("s3cret-web-0001"))
            let removed = try await client.execute(uri: "/vault/connections/\(connection.id)/remove", method: .post,
                                                   headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "kf_csrf=\(token)"],
                                                   body: ByteBuffer(string: "csrf=\(token)"))
            #expect(removed.status == .seeOther)
            #expect(try vault.forTeam(Vault.localTeam).list().isEmpty)
        }
    }
}
