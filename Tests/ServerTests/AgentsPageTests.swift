import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Runtime
import Server
import TestSupport
import Testing
import Vault

/// The agents page at the HTTP level: the OAuth dropdown, selecting (a new revision, the
/// earlier one kept), the Run form, and "+ Add New" in place.
struct AgentsPageTests {
    /// An agent whose one APICall reads `url`, with no OAuth yet.
    static func agent(url: String) -> String {
        """
        {"id": "api", "name": "API agent", "components": [
          {"id": "E", "name": "APIEndpoint", "title": "Go", "data": {"endpoint": "go"}, "inputs": [],
           "outputs": [{"name": "headers", "index": 0, "default": true}, {"name": "body", "index": 1, "default": true}]},
          {"id": "CALL", "name": "APICall", "title": "Call", "data": {"method": "GET", "url": "\(url)", "oauthService": "None"},
           "inputs": [{"name": "trigger", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]},
          {"id": "OUT", "name": "APIOutput", "title": "Out", "data": {"format": "minimal"}, "inputs": [{"name": "result", "index": 0}],
           "outputs": [{"name": "Output", "index": 0, "default": true}]}],
         "connections": [{"sourceId": "E", "sourceIndex": 1, "targetId": "CALL", "targetIndex": 0},
                         {"sourceId": "CALL", "sourceIndex": 0, "targetId": "OUT", "targetIndex": 0}]}
        """
    }

    static func store(_ vault: Vault) throws -> any AgentStore {
        try #require(vault.store as? any AgentStore)
    }

    /// Stores an agent for the vault's team, as an upload would.
    static func write(_ text: String, as name: String, in vault: Vault) async throws {
        let saved = try await store(vault).saveAgent(
            team: vault.team, name: name, body: Data(text.utf8), changedBy: "test",
            changedAt: Date().timeIntervalSince1970, expectedVersion: nil)
        #expect(saved != nil)
    }

    /// The current revision of one of the vault's team's agents.
    static func current(_ name: String, in vault: Vault) async throws -> StoredAgent {
        try #require(try await store(vault).agent(team: vault.team, name: name))
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, csrf: VaultPageTests.PageSession, _ form: String)
        async throws -> TestResponse
    {
        try await client.execute(
            uri: uri, method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: csrf.cookies],
            body: ByteBuffer(string: "csrf=\(csrf.csrf)&" + form))
    }

    static func connectionID(of name: String, in vault: Vault, component: String) async throws -> String? {
        let agent = try AgentLoader.parse(Array(try await current(name, in: vault).body), source: name)
        return agent.component(component)?.data["oauth_con_id"]?.stringValue
    }

    @Test func dropdownSelectsAndSavesAsANewRevisionAndTheRunFormShowsTheOutput() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let vault = root.forTeam(Vault.localTeam)
        try await Self.write(Self.agent(url: "https://api.example/me"), as: "api", in: vault)
        try await Self.write(try Repository.text("workflows/legacy-inline.smyth"), as: "legacy-inline", in: vault)
        try await Self.write(
            try Repository.text("fixtures/smythos-agents/functions-components.smyth"), as: "functions", in: vault)
        let input = ConnectionInput(text: [
            "clientID": "app", "clientSecret": "secret-0123456789", "authorizationURL": "https://api.example/authorize",
            "tokenURL": "https://api.example/token",
        ])
        let mine = try await vault.add(kind: "custom-oauth2", name: "Mine", input: input)
        let othersTeam = try await root.forTeam("other").add(kind: "custom-oauth2", name: "Theirs", input: input)
        try await app.test(.router) { client in
            let list = String(buffer: try await client.execute(uri: "/agents", method: .get).body)
            #expect(
                list.contains("href=\"/agents/api\"") && list.contains("href=\"/agents/legacy-inline\"")
                    && list.contains("href=\"/agents/functions\""))

            let page = try await client.execute(uri: "/agents/api", method: .get)
            let csrf = try #require(VaultPageTests.csrf(from: page))
            let html = String(buffer: page.body)
            #expect(html.contains("<option value=\"\(mine.id)\">Mine — Custom OAuth 2.0, needs-auth</option>"))
            #expect(html.contains("<option value=\"add_new\">+ Add New</option>") && !html.contains("Theirs"))
            #expect(html.contains("name=\"attach_agent\" value=\"api\""))

            let legacy = String(buffer: try await client.execute(uri: "/agents/legacy-inline", method: .get).body)
            #expect(legacy.contains("<option value=\"legacy\" selected>Legacy: inline Google settings</option>"))
            #expect(legacy.contains("<span class=\"badge\">Legacy</span>"))

            let original = try await Self.current("api", in: vault)
            let forged = try await client.execute(
                uri: "/agents/api/components/CALL/oauth", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: csrf.cookies],
                body: ByteBuffer(string: "csrf=nope&connection=\(mine.id)"))
            #expect(forged.status == .forbidden)
            // Another team's connection can't be chosen, and the agent is untouched.
            let foreign = try await Self.post(
                client, "/agents/api/components/CALL/oauth", csrf: csrf, "connection=\(othersTeam.id)")
            #expect(foreign.headers[.location]?.contains("notice=") == true)
            #expect(try await Self.current("api", in: vault) == original)

            let selected = try await Self.post(
                client, "/agents/api/components/CALL/oauth", csrf: csrf, "connection=\(mine.id)")
            #expect(selected.status == .seeOther)
            #expect(try await Self.connectionID(of: "api", in: vault, component: "CALL") == mine.id)
            // The selection is a new revision; the one before it is kept.
            #expect(try await Self.current("api", in: vault).version == original.version + 1)
            #expect(
                try await Self.store(vault).agentRevision(team: vault.team, name: "api", version: original.version)
                    == original)
            let reloaded = String(buffer: try await client.execute(uri: "/agents/api", method: .get).body)
            #expect(reloaded.contains("<option value=\"\(mine.id)\" selected>"))
            #expect(
                try await Self.post(client, "/agents/api/components/NOPE/oauth", csrf: csrf, "connection=\(mine.id)")
                    .status == .notFound)

            let run = try await Self.post(
                client, "/agents/functions/run", csrf: csrf, "endpoint=hash&input.data=Hello%20World")
            let output = String(buffer: run.body)
            #expect(
                run.status == .ok && output.contains("id=\"run-output\"")
                    && output.contains("b10a8db164e0754105b7a99be72e3fe5"))
            #expect(output.contains("id=\"trace\""))
            // A run that can't start says why on the page (the connection is not logged in yet).
            let blocked = String(buffer: try await Self.post(client, "/agents/api/run", csrf: csrf, "endpoint=E").body)
            #expect(blocked.contains("id=\"run-error\"") && blocked.contains("Mine"))
        }
    }

    @Test func addNewThatDoesNotValidateComesBackOpenWithErrorsNextToTheFields() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        try await Self.write(Self.agent(url: "https://api.example/me"), as: "api", in: root)
        try await app.test(.router) { client in
            let csrf = try #require(
                VaultPageTests.csrf(from: try await client.execute(uri: "/agents/api", method: .get)))
            let response = try await Self.post(
                client, "/vault/connections", csrf: csrf,
                "attach_agent=api&attach_component=CALL&kind=custom-oauth2&name=New&clientSecret=typed-secret-999"
                    + "&authorizationURL=https%3A%2F%2Fapi.example%2Fauthorize&tokenURL=not-a-url")
            #expect(response.status == .unprocessableContent)
            let html = String(buffer: response.body)
            #expect(!html.contains("typed-secret-999"))
            #expect(html.contains("<dialog id=\"add-dialog\" data-open-on-load>"))
            #expect(html.contains("id=\"attach-component\" value=\"CALL\"") && html.contains("value=\"New\""))
            // The problems sit in the divs of the fields they name.
            for field in ["clientID", "tokenURL"] {
                let start = try #require(html.range(of: "data-field=\"\(field)\""))
                let div =
                    html[start.upperBound...].prefix { $0 != "\n" }.components(separatedBy: "<div class=\"field\"")
                    .first ?? ""
                #expect(div.contains("class=\"field-error\""), "no error next to \(field)")
            }
            #expect(try await root.forTeam(Vault.localTeam).list().isEmpty)
        }
    }

    @Test func addNewWithClientCredentialsSelectsTheNewConnectionAtOnce() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        try await Self.write(Self.agent(url: peer.baseURL + "/api/me"), as: "api", in: root)
        try await app.test(.router) { client in
            let csrf = try #require(
                VaultPageTests.csrf(from: try await client.execute(uri: "/agents/api", method: .get)))
            let added = try await Self.post(
                client, "/vault/connections", csrf: csrf,
                "attach_agent=api&attach_component=CALL&kind=client-credentials&name=Machine&clientID=confidential-basic"
                    + "&clientSecret=secret-basic&tokenURL=\(PercentEncoding.encode(peer.baseURL + "/token"))")
            #expect(added.status == .seeOther)
            #expect(added.headers[.location]?.hasPrefix("/agents/api?notice=") == true)
            let connection = try #require(try await root.forTeam(Vault.localTeam).list().first)
            #expect(connection.status == .ready)
            #expect(try await Self.connectionID(of: "api", in: root, component: "CALL") == connection.id)
            let run = String(buffer: try await Self.post(client, "/agents/api/run", csrf: csrf, "endpoint=E").body)
            #expect(run.contains("confidential-basic") && !run.contains("secret-basic"))
        }
    }

    /// The Add dialog's per-kind field list is in each kind's option (`data-fields`), read by
    /// the static script. It once rendered as a GRDB SQL literal (string interpolation picked
    /// the wrong type) and the dialog showed every field for every kind.
    @Test func theAddDialogsKindOptionsListTheirFields() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/vault", method: .get).body)
            var kinds: [String: (fields: [String], callback: String)] = [:]
            for match in html.matches(of: /<option value="([^"]*)" data-fields="([^"]*)" data-callback="([^"]*)"/) {
                kinds[String(match.output.1)] = (
                    match.output.2.split(separator: " ").map(String.init), String(match.output.3)
                )
            }
            #expect(kinds.keys.count == 8)
            // An API key has no login, so no callback to register.
            #expect(kinds["api-key"]?.fields.contains("apiKey") == true && kinds["api-key"]?.callback == "")
            let custom = kinds["custom-oauth2"]?.fields ?? []
            #expect(custom.contains("authorizationURL") && custom.contains("pkce"))
            let google = kinds["google"]?.fields ?? []
            #expect(!google.contains("authorizationURL") && google.contains("clientID"))
            #expect(kinds["custom-oauth1"]?.callback.hasSuffix(CallbackURLs.oauth1Path) == true)
            #expect(kinds["custom-oauth2"]?.callback.hasSuffix(CallbackURLs.oauth2Path) == true)
        }
    }

    @Test func oversizedFormsAreRefused() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let response = try await Self.post(
                client, "/vault/keys", csrf: .init(cookies: "", csrf: "abc"),
                "name=BIG&value=" + String(repeating: "x", count: 2 << 20))
            #expect(response.status == .contentTooLarge)
            #expect(try await root.forTeam(Vault.localTeam).keyNames().isEmpty)
        }
    }
}
