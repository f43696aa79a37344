import Accounts
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

/// `GET /api/v1/audit` and a connection's Activity page: each team reads its own records only;
/// another team's connection id is a 404; pages follow `next_cursor`; values never appear.
@Suite(.serialized) struct AuditAPITests {
    static let canary = "sk-audit-canary-5f1e0c2b9a"

    static func use(_ team: String, _ connection: String, at: Double, path: String = "/v1/items") -> VaultEvent {
        VaultEvent(
            .credentialUse, team: team, at: at, attribution: Attribution(actor: "user:x", agent: "digest"),
            connection: connection, connectionName: "Peer", method: "GET", origin: "https://api.example.com",
            path: path, status: 200)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String) async throws -> (
        HTTPResponse.Status, JSONValue, String
    ) {
        let response = try await client.execute(
            uri: uri, method: .get, headers: AgentTeamIsolationTests.bearer(token))
        let text = String(buffer: response.body)
        return (response.status, ConnectionsAPITests.json(response.body), text)
    }

    static func records(_ value: JSONValue) -> [JSONValue] {
        value.objectValue?["records"]?.arrayValue ?? []
    }

    @Test func eachTeamReadsItsOwnTrailAndAnotherTeamsConnectionIsA404() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: root.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "b", store: root.accounts)
        let teamA = root.forTeam("a")
        let connection = try await teamA.add(
            kind: "api-key", name: "Peer",
            input: ConnectionInput(text: ["apiKey": Self.canary], allowedHosts: ["api.example.com"])
        ).id
        for index in 0..<5 { await root.events.emit(Self.use("a", connection, at: 1_000 + Double(index))) }
        await root.events.emit(Self.use("b", "kc_bobsown", at: 2_000))
        await root.events.flush()
        try await app.test(.router) { client in
            let (status, page, text) = try await Self.get(client, "/api/v1/audit", token: alice)
            #expect(status == .ok)
            let mine = Self.records(page)
            #expect(mine.count >= 5)
            #expect(mine.allSatisfy { $0.objectValue?["connection"]?.stringValue != "kc_bobsown" })
            #expect(!text.contains(Self.canary))
            let (_, bobs, bobText) = try await Self.get(client, "/api/v1/audit", token: bob)
            #expect(Self.records(bobs).count == 1)
            #expect(!bobText.contains(connection))
            // Team a's connection, asked for by team b: not found, like a missing one.
            let (other, _, _) = try await Self.get(client, "/api/v1/audit?connection=\(connection)", token: bob)
            #expect(other == .notFound)
            let (missing, _, _) = try await Self.get(client, "/api/v1/audit?connection=kc_missing", token: alice)
            #expect(missing == .notFound)
            let (filtered, onlyOne, _) = try await Self.get(
                client, "/api/v1/audit?connection=\(connection)&since=2000-01-01", token: alice)
            #expect(filtered == .ok)
            #expect(Self.records(onlyOne).allSatisfy { $0.objectValue?["connection"]?.stringValue == connection })
        }
    }

    @Test func pagesFollowTheCursorAndBadParametersAre422() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: root.accounts)
        for index in 0..<5 { await root.events.emit(Self.use("a", "kc_x", at: 1_000 + Double(index))) }
        await root.events.flush()
        try await app.test(.router) { client in
            var sequences: [Double] = []
            var uri = "/api/v1/audit?limit=2"
            for _ in 0..<5 {
                let (status, page, _) = try await Self.get(client, uri, token: alice)
                #expect(status == .ok)
                sequences += Self.records(page).compactMap { $0.objectValue?["sequence"]?.numberValue }
                guard let cursor = page.objectValue?["next_cursor"]?.stringValue else { break }
                uri = "/api/v1/audit?limit=2&cursor=\(cursor)"
            }
            #expect(sequences == [5, 4, 3, 2, 1])
            let (recent, page, _) = try await Self.get(client, "/api/v1/audit?since=1970-01-01T00:16:43Z", token: alice)
            #expect(recent == .ok && Self.records(page).count == 2)
            for bad in ["since=yesterday", "limit=0", "limit=501", "cursor=-1", "cursor=abc", "since=%C3%A9%CC%81"] {
                let (status, _, _) = try await Self.get(client, "/api/v1/audit?\(bad)", token: alice)
                #expect(status == .unprocessableContent, "\(bad)")
            }
            let (anonymous, _, _) = try await Self.get(client, "/api/v1/audit", token: "wrong")
            #expect(anonymous == .unauthorized)
        }
    }

    @Test func theActivityPageShowsTheTeamsConnectionOnlyAndEscapesEverything() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: root.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "b", store: root.accounts)
        let connection = try await root.forTeam("a").add(
            kind: "api-key", name: "Peer",
            input: ConnectionInput(text: ["apiKey": Self.canary], allowedHosts: ["api.example.com"])
        ).id
        await root.events.emit(Self.use("a", connection, at: 1_000, path: "/v1/<script>alert(1)</script>"))
        await root.events.flush()
        try await app.test(.router) { client in
            let a = try await WebSessionTests.signIn(client, token: alice)
            let vaultPage = String(
                buffer: try await client.execute(uri: "/vault", method: .get, headers: [.cookie: a.cookies]).body)
            #expect(vaultPage.contains("/vault/connections/\(connection)/activity"))
            let page = try await client.execute(
                uri: "/vault/connections/\(connection)/activity", method: .get, headers: [.cookie: a.cookies])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("credential.use") && html.contains("https://api.example.com/v1/&lt;script&gt;"))
            #expect(!html.contains("<script>alert") && !html.contains(Self.canary))
            #expect(page.headers[.contentSecurityPolicy] != nil)
            let b = try await WebSessionTests.signIn(client, token: bob)
            let other = try await client.execute(
                uri: "/vault/connections/\(connection)/activity", method: .get, headers: [.cookie: b.cookies])
            #expect(other.status == .notFound)
            #expect(!String(buffer: other.body).contains("api.example.com"))
            let anonymous = try await client.execute(uri: "/vault/connections/\(connection)/activity", method: .get)
            #expect(anonymous.status != .ok)
        }
    }
}
