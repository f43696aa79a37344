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

/// A login finishes only in the browser that started it (or, started through the API, in a
/// browser session of the same account): a leaked `state` presented by anyone else can't
/// capture their account into the team's connection, and the login stays pending meanwhile.
struct LoginBindingTests {
    /// The app with a provider whose token endpoint always answers, so that only the binding decides.
    static func app() async throws -> (some ApplicationProtocol, Vault, RecordingTransport) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-binding-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let provider = RecordingTransport(
            json: #"{"access_token": "provider-access-token", "token_type": "Bearer", "expires_in": 3600}"#)
        let node = try KeyflowServer.node(
            vault: vault, accounts: try vault.accounts, flows: FlowsRegistry(transport: provider, publicURL: .default),
            binding: .init(host: "localhost", port: 80))
        return (Application(router: node.router, services: node.services), vault, provider)
    }

    static func addConnection(to vault: Vault) async throws -> String {
        try await vault.add(
            kind: "custom-oauth2", name: "API",
            input: ConnectionInput(
                text: [
                    "clientID": "app", "clientSecret": "secret-0123456789",
                    "authorizationURL": "https://auth.example/authorize",
                    "tokenURL": "https://auth.example/token",
                ])
        ).id
    }

    /// The `state` of the provider URL a login was sent to.
    static func state(in location: String?) throws -> String {
        let url = try RequestURL(try #require(location))
        return try #require(FormEncoding.decode(url.query ?? "").first { $0.name == "state" }?.value)
    }

    static func callback(_ client: some TestClientProtocol, state: String, cookies: String?) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/oauth/oauth2/callback?code=provider-code&state=\(PercentEncoding.encode(state))", method: .get,
            headers: cookies.map { [.cookie: $0] } ?? [:])
    }

    static func startOnThePage(
        _ client: some TestClientProtocol, _ id: String, as session: (cookies: String, csrf: String)
    ) async throws -> String {
        let started = try await client.execute(
            uri: "/vault/connections/\(id)/authenticate", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: session.cookies],
            body: ByteBuffer(string: "csrf=\(session.csrf)"))
        // The login goes on to the provider from a page of ours (form-action 'self').
        #expect(started.status == .ok)
        return try state(in: PageSecurityTests.continueLink(in: String(buffer: started.body)))
    }

    @Test func aCallbackFromAnotherBrowserOrUserIsRefusedAndTheLoginWaitsForItsOwn() async throws {
        let (app, root, provider) = try await Self.app()
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: root.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "a", store: root.accounts)
        let vault = root.forTeam("a")
        let id = try await Self.addConnection(to: vault)
        try await app.test(.router) { client in
            let alices = try await WebSessionTests.signIn(client, token: alice)
            let bobs = try await WebSessionTests.signIn(client, token: bob)
            let anonymous = try WebSessionTests.session(from: try await client.execute(uri: "/signin", method: .get))
            let state = try await Self.startOnThePage(client, id, as: alices)
            for cookies in [nil, bobs.cookies, anonymous.cookies, "kf_session=u.forged"] {
                let refused = try await Self.callback(client, state: state, cookies: cookies)
                #expect(refused.status == .forbidden, "\(cookies ?? "no cookie")")
                #expect(String(buffer: refused.body).contains("id=\"wrong-browser\""))
                PageSecurityTests.expectHardened(refused, "the wrong-browser page")
                #expect(try await vault.connection(id).status == .needsAuth)
            }
            #expect(provider.requests.isEmpty, "no code may be exchanged for the wrong browser")
            // The same user's other browser did not start it either.
            let alicesPhone = try await WebSessionTests.signIn(client, token: alice)
            #expect(try await Self.callback(client, state: state, cookies: alicesPhone.cookies).status == .forbidden)
            // The browser that started it finishes it.
            let finished = try await Self.callback(client, state: state, cookies: alices.cookies)
            #expect(finished.status == .seeOther && finished.headers[.location]?.hasPrefix("/vault?notice=") == true)
            #expect(try await vault.connection(id).status == .ready)

            // Started through the API by Bob: any browser session of Bob's, and only those.
            let started = try await client.execute(
                uri: "/api/v1/connections/\(id)/authenticate", method: .post,
                headers: [.authorization: "Bearer \(bob)"])
            let apiState = try Self.state(in: ConnectionsAPITests.json(started.body)["authorization_url"]?.stringValue)
            #expect(try await Self.callback(client, state: apiState, cookies: nil).status == .forbidden)
            #expect(try await Self.callback(client, state: apiState, cookies: alices.cookies).status == .forbidden)
            #expect(try await Self.callback(client, state: apiState, cookies: bobs.cookies).status == .seeOther)
        }
    }

    @Test func withoutUsersTheLoginIsBoundToTheBrowsersAnonymousSession() async throws {
        let (app, root, _) = try await Self.app()
        let vault = root.forTeam(Vault.localTeam)
        let id = try await Self.addConnection(to: vault)
        try await app.test(.router) { client in
            let mine = try WebSessionTests.session(from: try await client.execute(uri: "/vault", method: .get))
            let another = try WebSessionTests.session(from: try await client.execute(uri: "/vault", method: .get))
            let state = try await Self.startOnThePage(client, id, as: mine)
            #expect(try await Self.callback(client, state: state, cookies: nil).status == .forbidden)
            #expect(try await Self.callback(client, state: state, cookies: another.cookies).status == .forbidden)
            #expect(try await vault.connection(id).status == .needsAuth)
            #expect(try await Self.callback(client, state: state, cookies: mine.cookies).status == .seeOther)
            #expect(try await vault.connection(id).status == .ready)
        }
    }
}
