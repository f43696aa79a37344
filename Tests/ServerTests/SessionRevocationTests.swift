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

/// Sessions end when they should, on the server: sign-out, "sign out everywhere", and the
/// `keyflow users rotate-token` and `keyflow users remove` commands. An ended session's
/// cookie, replayed, no longer loads a page.
struct SessionRevocationTests {
    static func loadsTheVault(_ client: some TestClientProtocol, _ cookies: String) async throws -> Bool {
        let response = try await client.execute(uri: "/vault", method: .get, headers: [.cookie: cookies])
        if response.status == .seeOther { #expect(response.headers[.location]?.hasPrefix("/signin") == true) }
        return response.status == .ok
    }

    static func post(_ client: some TestClientProtocol, _ path: String, _ session: (cookies: String, csrf: String))
        async throws -> TestResponse
    {
        try await client.execute(
            uri: path, method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: session.cookies],
            body: ByteBuffer(string: "csrf=\(session.csrf)"))
    }

    @Test func signingOutEndsTheSessionOnTheServer() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, token) = try await Users.add(name: "ada", team: "acme", store: vault.accounts)
        try await app.test(.router) { client in
            let session = try await WebSessionTests.signIn(client, token: token)
            let other = try await WebSessionTests.signIn(client, token: token)
            #expect(try await Self.loadsTheVault(client, session.cookies))
            let signedOut = try await Self.post(client, "/signout", session)
            #expect(
                signedOut.status == .seeOther
                    && WebSessionTests.setCookie("kf_session", in: signedOut)?.contains("Max-Age=0") == true)
            // The old cookie, replayed, is refused; the same user's other browser stays signed in.
            #expect(try await !Self.loadsTheVault(client, session.cookies))
            #expect(try await Self.loadsTheVault(client, other.cookies))
        }
    }

    @Test func signOutEverywhereEndsEverySessionOfTheUserOnly() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, ada) = try await Users.add(name: "ada", team: "acme", store: vault.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "acme", store: vault.accounts)
        try await app.test(.router) { client in
            let laptop = try await WebSessionTests.signIn(client, token: ada)
            let phone = try await WebSessionTests.signIn(client, token: ada)
            let bobs = try await WebSessionTests.signIn(client, token: bob)
            let page = String(
                buffer: try await client.execute(uri: "/vault", method: .get, headers: [.cookie: laptop.cookies]).body)
            #expect(page.contains("action=\"/signout-everywhere\"") && page.contains("Sign out everywhere"))
            // It is a POST with the session's CSRF token like any other.
            #expect(
                try await Self.post(client, "/signout-everywhere", (laptop.cookies, bobs.csrf)).status == .forbidden)
            #expect(try await Self.loadsTheVault(client, phone.cookies))
            #expect(try await Self.post(client, "/signout-everywhere", laptop).status == .seeOther)
            #expect(try await !Self.loadsTheVault(client, laptop.cookies))
            #expect(try await !Self.loadsTheVault(client, phone.cookies))
            #expect(try await Self.loadsTheVault(client, bobs.cookies))
        }
    }

    @Test func rotatingATokenOrRemovingAUserWithTheCLIEndsTheirSessions() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let environment = ["KEYFLOW_HOME": vault.home.directory.path]
        let added = try KeyflowCLI.run(["users", "add", "ada", "--team", "acme"], environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        let oldToken = try #require(added.stdout.split(separator: "\n").first.map(String.init))
        _ = try await Users.add(name: "bob", team: "acme", store: vault.accounts)
        try await app.test(.router) { client in
            let session = try await WebSessionTests.signIn(client, token: oldToken)
            #expect(try await Self.loadsTheVault(client, session.cookies))

            let rotated = try KeyflowCLI.run(["users", "rotate-token", "ada"], environment: environment)
            #expect(rotated.status == 0, "\(rotated.stderr)")
            let newToken = try #require(rotated.stdout.split(separator: "\n").first.map(String.init))
            #expect(newToken.hasPrefix("kft_") && newToken != oldToken)
            #expect(try await !Self.loadsTheVault(client, session.cookies))
            let oldAPI = try await client.execute(
                uri: "/api/v1/connections", method: .get, headers: [.authorization: "Bearer \(oldToken)"])
            #expect(oldAPI.status == .unauthorized)
            #expect(
                try await client.execute(
                    uri: "/api/v1/connections", method: .get, headers: [.authorization: "Bearer \(newToken)"]
                ).status == .ok)

            let again = try await WebSessionTests.signIn(client, token: newToken)
            #expect(try await Self.loadsTheVault(client, again.cookies))
            let unknown = try KeyflowCLI.run(["users", "remove", "nobody"], environment: environment)
            #expect(unknown.status != 0)
            let removed = try KeyflowCLI.run(["users", "remove", "ada"], environment: environment)
            #expect(removed.status == 0, "\(removed.stderr)")
            #expect(try await !Self.loadsTheVault(client, again.cookies))
            #expect(
                try await client.execute(
                    uri: "/api/v1/connections", method: .get, headers: [.authorization: "Bearer \(newToken)"]
                ).status == .unauthorized)
            #expect(try await vault.accounts.users().map(\.name) == ["bob"])
        }
    }
}
