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

/// `/api/v1/agents` and `/api/v1/keys` at the HTTP level.
struct AgentsAPITests {
    @Test func putListValidateInspectAndRunAnAgent() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await ConnectionsAPITests.app(transport: transport)
        let fixture = try Repository.data("fixtures/smythos-agents/functions-components.smyth")
        try await app.test(.router) { client in
            let put = try await client.execute(
                uri: "/api/v1/agents/functions", method: .put, headers: ConnectionsAPITests.json,
                body: ByteBuffer(bytes: fixture))
            #expect(put.status == .created)
            let again = try await client.execute(
                uri: "/api/v1/agents/functions", method: .put, headers: ConnectionsAPITests.json,
                body: ByteBuffer(bytes: fixture))
            #expect(again.status == .ok)
            let list = try await client.execute(uri: "/api/v1/agents", method: .get)
            #expect(ConnectionsAPITests.json(list.body).arrayValue?.first?["name"] == .string("functions"))
            let got = try await client.execute(uri: "/api/v1/agents/functions", method: .get)
            #expect(ConnectionsAPITests.json(got.body)["components"]?.arrayValue?.count == 12)
            let validated = try await client.execute(uri: "/api/v1/agents/functions/validate", method: .post)
            #expect(ConnectionsAPITests.json(validated.body)["valid"] == .bool(true))
            let inspected = try await client.execute(uri: "/api/v1/agents/functions/inspect", method: .get)
            #expect(ConnectionsAPITests.json(inspected.body) == .array([]))
            let run = try await client.execute(
                uri: "/api/v1/agents/functions/run", method: .post, headers: ConnectionsAPITests.json,
                body: ByteBuffer(string: #"{"endpoint": "hash", "inputs": {"data": "Hello World"}}"#))
            #expect(run.status == .ok)
            #expect(
                ConnectionsAPITests.json(run.body)["output"]?["result"]?["Hash"]
                    == .string("b10a8db164e0754105b7a99be72e3fe5"))
            #expect(ConnectionsAPITests.json(run.body)["trace"]?.arrayValue?.count == 2)
            let invalid = try await client.execute(
                uri: "/api/v1/agents/broken", method: .put, headers: ConnectionsAPITests.json,
                body: ByteBuffer(string: "{\"components\": ["))
            #expect(invalid.status == .unprocessableContent)
            let sneaky = try await client.execute(uri: "/api/v1/agents/..%2F..%2Fvault", method: .get)
            #expect(sneaky.status == .notFound)
        }
    }

    /// Every save is a revision, recorded with who made it; an earlier one can be read and
    /// restored (as a new revision, so nothing is lost).
    @Test func revisionsAreListedReadAndRestored() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: vault.accounts)
        let (_, carol) = try await Users.add(name: "carol", team: "a", store: vault.accounts)
        let first = AgentsPageTests.agent(url: "https://api.example/one")
        let second = AgentsPageTests.agent(url: "https://api.example/two")
        let firstDocument = try JSONParser.parse(Array(first.utf8))
        try await app.test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ path: String, as token: String, body: String? = nil) async throws
                -> TestResponse
            {
                try await client.execute(
                    uri: "/api/v1/agents/api" + path, method: method, headers: AgentTeamIsolationTests.bearer(token),
                    body: body.map { ByteBuffer(string: $0) })
            }
            let created = try await call(.put, "", as: alice, body: first)
            #expect(created.status == .created && ConnectionsAPITests.json(created.body)["version"] == .number(1))
            let replaced = try await call(.put, "", as: carol, body: second)
            #expect(replaced.status == .ok && ConnectionsAPITests.json(replaced.body)["changed_by"] == .string("carol"))
            let revisions = ConnectionsAPITests.json(try await call(.get, "/revisions", as: alice).body)
            #expect(revisions.arrayValue?.compactMap { $0["version"]?.numberValue } == [2, 1])
            #expect(revisions.arrayValue?.compactMap { $0["changed_by"]?.stringValue } == ["carol", "alice"])
            let old = try await call(.get, "/revisions/1", as: alice)
            #expect(old.status == .ok && ConnectionsAPITests.json(old.body) == firstDocument)
            for missing in ["/revisions/3", "/revisions/0", "/revisions/x", "/revisions/99999999999999999999"] {
                #expect(try await call(.get, missing, as: alice).status == .notFound, "\(missing)")
            }
            let restored = try await call(.post, "/revisions/1/restore", as: alice)
            #expect(restored.status == .ok && ConnectionsAPITests.json(restored.body)["version"] == .number(3))
            #expect(ConnectionsAPITests.json(try await call(.get, "", as: carol).body) == firstDocument)
            #expect(ConnectionsAPITests.json(try await call(.get, "/revisions", as: alice).body).arrayValue?.count == 3)
            #expect(try await call(.post, "/revisions/7/restore", as: alice).status == .notFound)
        }
    }

    /// Without users, every change is recorded as made by "local".
    @Test func withoutUsersChangesAreByLocal() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let put = try await client.execute(
                uri: "/api/v1/agents/api", method: .put, headers: AgentTeamIsolationTests.json,
                body: ByteBuffer(string: AgentsPageTests.agent(url: "https://api.example/one")))
            #expect(ConnectionsAPITests.json(put.body)["changed_by"] == .string("local"))
        }
    }

    @Test func keysAreListedByNameOnly() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let put = try await client.execute(
                uri: "/api/v1/keys/SLACK_TOKEN", method: .put, headers: ConnectionsAPITests.json,
                body: ByteBuffer(string: #"{"value": "xoxb-secret-1"}"#))
            #expect(put.status == .noContent)
            let list = try await client.execute(uri: "/api/v1/keys", method: .get)
            #expect(String(buffer: list.body) == #"["SLACK_TOKEN"]"#)
            #expect(try await vault.keyValue("SLACK_TOKEN") == "xoxb-secret-1")
            #expect(try await client.execute(uri: "/api/v1/keys/SLACK_TOKEN", method: .delete).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/keys/SLACK_TOKEN", method: .delete).status == .notFound)
        }
    }
}
