import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Runtime
import Server
import Testing
import Vault

/// The Models page: the team's routes, the Add form with its problems shown by field, Remove,
/// CSRF on both forms, and nothing of another team's.
struct ModelsPageTests {
    static func post(
        _ client: some TestClientProtocol, _ path: String, cookies: String, form: String
    ) async throws -> TestResponse {
        var headers = WebSessionTests.form
        headers[.cookie] = cookies
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    static func connection(_ vault: Vault, name: String, allowing hosts: [String]) async throws -> String {
        let input = ConnectionInput(
            text: [
                "clientID": "app", "clientSecret": "secret-0123456789",
                "authorizationURL": "https://auth.example/authorize", "tokenURL": "https://auth.example/token",
            ], allowedHosts: hosts)
        return try await vault.add(kind: "custom-oauth2", name: name, input: input).id
    }

    @Test func addListAndRemoveThroughTheForms() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        let key = try await Self.connection(vault, name: "OpenAI <key>", allowing: ["api.openai.com"])
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/models", method: .get)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("<a href=\"/models\">Models</a>") && html.contains("No models yet."))
            for provider in LLMProvider.names { #expect(html.contains("<option value=\"\(provider)\"")) }
            #expect(html.contains("<option value=\"\(key)\">OpenAI &lt;key&gt;</option>"))
            let session = try WebSessionTests.session(from: page)

            let added = try await Self.post(
                client, "/models", cookies: session.cookies,
                form: "csrf=\(session.csrf)&name=gpt-4o-mini&provider=openai&baseURL=&connection=\(key)&upstreamModel=")
            #expect(added.status == .seeOther && added.headers[.location]?.hasPrefix("/models?notice=Saved") == true)
            let local = try await Self.post(
                client, "/models", cookies: session.cookies,
                form: "csrf=\(session.csrf)&name=llama&provider=openai-compatible&baseURL="
                    + PercentEncoding.encode("http://127.0.0.1:11434/v1") + "&connection=&upstreamModel=llama3.1")
            #expect(local.status == .seeOther)
            #expect(try await vault.models().map(\.name) == ["gpt-4o-mini", "llama"])

            let listed = String(
                buffer: try await client.execute(uri: "/models", method: .get, headers: [.cookie: session.cookies]).body
            )
            #expect(
                listed.contains(
                    "<tr data-model=\"gpt-4o-mini\"><td>gpt-4o-mini</td><td>openai</td><td>https://api.openai.com/v1</td>"
                ))
            #expect(listed.contains("<a href=\"/vault/connections/\(key)/edit\">OpenAI &lt;key&gt;</a>"))
            #expect(listed.contains("<td>http://127.0.0.1:11434/v1</td><td>none</td><td>llama3.1</td>"))

            let removed = try await Self.post(
                client, "/models/remove", cookies: session.cookies, form: "csrf=\(session.csrf)&name=llama")
            #expect(removed.status == .seeOther)
            #expect(try await vault.models().map(\.name) == ["gpt-4o-mini"])
            let missing = try await Self.post(
                client, "/models/remove", cookies: session.cookies, form: "csrf=\(session.csrf)&name=llama")
            #expect(
                missing.headers[.location] == "/models?notice=" + PercentEncoding.encode("model llama does not exist"))
        }
    }

    @Test func aRefusedRouteComesBackWithItsProblemsByFieldAndNothingStored() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        try await app.test(.router) { client in
            let session = try WebSessionTests.session(from: try await client.execute(uri: "/models", method: .get))
            let refused = try await Self.post(
                client, "/models", cookies: session.cookies,
                form: "csrf=\(session.csrf)&name=m&provider=openai-compatible&baseURL="
                    + PercentEncoding.encode("https://10.1.2.3/v1") + "&connection=&upstreamModel=sent-name")
            #expect(refused.status == .unprocessableContent)
            let html = String(buffer: refused.body)
            #expect(html.contains("id=\"form-errors\"") && html.contains("Base URL: 10.1.2.3 is an internal address"))
            // The form keeps what was typed.
            #expect(html.contains("value=\"https://10.1.2.3/v1\"") && html.contains("value=\"sent-name\""))
            #expect(html.contains("<option value=\"openai-compatible\" selected>"))
            let plain = try await Self.post(
                client, "/models", cookies: session.cookies,
                form: "csrf=\(session.csrf)&name=m&provider=openai-compatible&baseURL="
                    + PercentEncoding.encode("http://llm.internal.example/v1"))
            #expect(String(buffer: plain.body).contains("Base URL: http:// is allowed only for a loopback host"))
            let unknown = try await Self.post(
                client, "/models", cookies: session.cookies, form: "csrf=\(session.csrf)&name=m&provider=mistral")
            #expect(unknown.status == .unprocessableContent)
            #expect(
                String(buffer: unknown.body).contains("Provider: must be one of openai, anthropic, openai-compatible"))
            let noKey = try await Self.post(
                client, "/models", cookies: session.cookies, form: "csrf=\(session.csrf)&name=&provider=anthropic")
            let noKeyHTML = String(buffer: noKey.body)
            #expect(
                noKeyHTML.contains("Name: must not be empty")
                    && noKeyHTML.contains("Connection: anthropic needs a connection"))
            #expect(try await vault.models().isEmpty)
        }
    }

    @Test func aPostWithoutTheSessionsCSRFTokenIsRefused() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        _ = try await vault.putModel(name: "kept", provider: .openaiCompatible, baseURL: "http://127.0.0.1:11434/v1")
        try await app.test(.router) { client in
            let first = try WebSessionTests.session(from: try await client.execute(uri: "/models", method: .get))
            let second = try WebSessionTests.session(from: try await client.execute(uri: "/models", method: .get))
            let add = "name=new&provider=openai-compatible&baseURL=" + PercentEncoding.encode("http://127.0.0.1:1/v1")
            for csrf in ["", "&csrf=", "&csrf=\(second.csrf)"] {
                let added = try await Self.post(client, "/models", cookies: first.cookies, form: add + csrf)
                #expect(added.status == .forbidden, "add with \(csrf.isEmpty ? "no token" : csrf)")
                let removed = try await Self.post(
                    client, "/models/remove", cookies: first.cookies, form: "name=kept" + csrf)
                #expect(removed.status == .forbidden, "remove with \(csrf.isEmpty ? "no token" : csrf)")
            }
            #expect(try await vault.models().map(\.name) == ["kept"])
        }
    }

    @Test func aMemberOfAnotherTeamCannotSeeAddToOrRemoveTheTeamsModels() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        _ = try await Users.add(name: "alice", team: "a", store: root.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "b", store: root.accounts)
        let teamA = root.forTeam("a")
        let alicesKey = try await Self.connection(teamA, name: "Alice's OpenAI", allowing: ["api.openai.com"])
        let alices = try await teamA.putModel(
            name: "secret-model", provider: .openai, baseURL: "https://api.openai.com/v1", connection: alicesKey,
            upstreamModel: "gpt-4o")
        try await app.test(.router) { client in
            let session = try await WebSessionTests.signIn(client, token: bob)
            let page = String(
                buffer: try await client.execute(uri: "/models", method: .get, headers: [.cookie: session.cookies]).body
            )
            #expect(page.contains("team b") && page.contains("No models yet."))
            #expect(!page.contains("secret-model") && !page.contains(alicesKey) && !page.contains("Alice&#39;s"))

            // Bob's route through Alice's connection: the connection is not found in his team.
            let stolen = try await Self.post(
                client, "/models", cookies: session.cookies,
                form: "csrf=\(session.csrf)&name=gpt-4o&provider=openai&connection=\(alicesKey)")
            #expect(stolen.status == .unprocessableContent)
            #expect(String(buffer: stolen.body).contains("Connection: connection \(alicesKey) not found in team b"))
            // Removing Alice's model by name removes nothing of hers.
            let removed = try await Self.post(
                client, "/models/remove", cookies: session.cookies, form: "csrf=\(session.csrf)&name=secret-model")
            #expect(removed.headers[.location]?.contains("does%20not%20exist") == true)
            // A model of the same name in team b is b's own; Alice's stays as it was.
            let own = try await Self.post(
                client, "/models", cookies: session.cookies,
                form: "csrf=\(session.csrf)&name=secret-model&provider=openai-compatible&baseURL="
                    + PercentEncoding.encode("https://b.example/v1"))
            #expect(own.status == .seeOther)
            #expect(try await teamA.models() == [alices])
            #expect(try await root.forTeam("b").models().map(\.baseURL) == ["https://b.example/v1"])
        }
    }

    @Test func aConnectionARouteUsesIsNotRemovedByThePageOrTheAPI() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        let key = try await Self.connection(vault, name: "OpenAI", allowing: ["api.openai.com"])
        _ = try await vault.putModel(name: "gpt-4o-mini", provider: .openai, connection: key)
        try await app.test(.router) { client in
            let session = try WebSessionTests.session(from: try await client.execute(uri: "/vault", method: .get))
            let page = try await Self.post(
                client, "/vault/connections/\(key)/remove", cookies: session.cookies, form: "csrf=\(session.csrf)")
            #expect(page.headers[.location]?.contains(PercentEncoding.encode("is used by model gpt-4o-mini")) == true)
            let api = try await client.execute(uri: "/api/v1/connections/\(key)", method: .delete)
            #expect(api.status == .conflict)
            let error = ConnectionsAPITests.json(api.body)["error"]
            #expect(error?["code"] == .string("connection_in_use"))
            #expect(try await vault.connection(key).id == key)
        }
    }
}
