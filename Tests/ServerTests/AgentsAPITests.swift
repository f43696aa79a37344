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
        let (app, _) = try ConnectionsAPITests.app(transport: transport)
        let fixture = try Repository.data("fixtures/smythos-agents/functions-components.smyth")
        try await app.test(.router) { client in
            let put = try await client.execute(uri: "/api/v1/agents/functions", method: .put, headers: ConnectionsAPITests.json, body: ByteBuffer(bytes: fixture))
            #expect(put.status == .created)
            let again = try await client.execute(uri: "/api/v1/agents/functions", method: .put, headers: ConnectionsAPITests.json, body: ByteBuffer(bytes: fixture))
            #expect(again.status == .ok)
            let list = try await client.execute(uri: "/api/v1/agents", method: .get)
            #expect(ConnectionsAPITests.json(list.body).arrayValue?.first?["name"] == .string("functions"))
            let got = try await client.execute(uri: "/api/v1/agents/functions", method: .get)
            #expect(ConnectionsAPITests.json(got.body)["components"]?.arrayValue?.count == 12)
            let validated = try await client.execute(uri: "/api/v1/agents/functions/validate", method: .post)
            #expect(ConnectionsAPITests.json(validated.body)["valid"] == .bool(true))
            let inspected = try await client.execute(uri: "/api/v1/agents/functions/inspect", method: .get)
            #expect(ConnectionsAPITests.json(inspected.body) == .array([]))
            let run = try await client.execute(uri: "/api/v1/agents/functions/run", method: .post, headers: ConnectionsAPITests.json,
                                               body: ByteBuffer(string: #"{"endpoint": "hash", "inputs": {"data": "Hello World"}}"#))
            #expect(run.status == .ok)
            #expect(ConnectionsAPITests.json(run.body)["output"]?["result"]?["Hash"] == .string("b10a8db164e0754105b7a99be72e3fe5"))
            #expect(ConnectionsAPITests.json(run.body)["trace"]?.arrayValue?.count == 2)
            let invalid = try await client.execute(uri: "/api/v1/agents/broken", method: .put, headers: ConnectionsAPITests.json, body: ByteBuffer(string: "{\"components\": ["))
            #expect(invalid.status == .unprocessableContent)
            let sneaky = try await client.execute(uri: "/api/v1/agents/..%2F..%2Fvault", method: .get)
            #expect(sneaky.status == .notFound)
        }
    }

    @Test func keysAreListedByNameOnly() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let put = try await client.execute(uri: "/api/v1/keys/SLACK_TOKEN", method: .put, headers: ConnectionsAPITests.json, body: ByteBuffer(string: #"{"value": "xoxb-secret-1"}"#))
            #expect(put.status == .noContent)
            let list = try await client.execute(uri: "/api/v1/keys", method: .get)
            #expect(String(buffer: list.body) == #"["SLACK_TOKEN"]"#)
            #expect(try vault.keyValue("SLACK_TOKEN") == "xoxb-secret-1")
            #expect(try await client.execute(uri: "/api/v1/keys/SLACK_TOKEN", method: .delete).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/keys/SLACK_TOKEN", method: .delete).status == .notFound)
        }
    }
}
