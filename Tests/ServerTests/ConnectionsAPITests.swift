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

/// The JSON API at the HTTP level: teams, isolation, errors, masking.
struct ConnectionsAPITests {
    /// The app and its vault; `transport` must be shut down by the caller (AsyncHTTPClient insists).
    static func app(
        transport: AsyncHTTPTransport, publicURL: PublicURL = .default,
        binding: KeyflowServer.Binding = .init(host: "localhost", port: 80)
    ) async throws -> (some ApplicationProtocol, Vault) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-server-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        // HummingbirdTesting's router mode sends `Host: localhost` (so port 80).
        let node = try KeyflowServer.node(
            vault: vault, accounts: try vault.accounts,
            flows: FlowsRegistry(transport: transport, publicURL: publicURL), binding: binding)
        return (Application(router: node.router, services: node.services), vault)
    }

    static let canary = "CANARY-client-secret-0123456789"

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// The API takes bodies only as JSON (a cross-site "simple" request can't send that type).
    static let json: HTTPFields = [.contentType: "application/json"]

    static func json(_ buffer: ByteBuffer) -> JSONValue {
        (try? JSONParser.parse(Array(buffer.readableBytesView))) ?? .null
    }

    static let createCustom =
        #"{"kind": "custom-oauth2", "name": "API", "fields": {"clientID": "app", "clientSecret": "\#(canary)", "authorizationURL": "https://auth.example/authorize", "tokenURL": "https://auth.example/token", "scopes": ["read"]}}"#

    @Test func singleUserModeCreatesReadsAndDeletesWithSecretsMasked() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await Self.app(transport: transport)
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json, body: Self.body(Self.createCustom))
            #expect(created.status == .created)
            #expect(!String(buffer: created.body).contains(Self.canary))
            let id = try #require(Self.json(created.body)["id"]?.stringValue)
            #expect(Self.json(created.body)["fields"]?["clientSecret"] == .string("••••6789"))
            #expect(Self.json(created.body)["callback_url"] == .string("http://127.0.0.1:8787/oauth/oauth2/callback"))
            let list = try await client.execute(uri: "/api/v1/connections", method: .get)
            #expect(Self.json(list.body).arrayValue?.count == 1)
            let started = try await client.execute(uri: "/api/v1/connections/\(id)/authenticate", method: .post)
            #expect(
                Self.json(started.body)["authorization_url"]?.stringValue?.hasPrefix("https://auth.example/authorize?")
                    == true)
            let duplicate = try await client.execute(uri: "/api/v1/connections/\(id)/duplicate", method: .post)
            #expect(duplicate.status == .created && Self.json(duplicate.body)["name"] == .string("API (copy)"))
            #expect(try await client.execute(uri: "/api/v1/connections/\(id)", method: .delete).status == .noContent)
            let gone = try await client.execute(uri: "/api/v1/connections/\(id)", method: .get)
            #expect(gone.status == .notFound)
            #expect(Self.json(gone.body)["error"]?["code"] == .string("not_found"))
        }
    }

    @Test func anAPIKeyIsReadyMaskedHasNoLoginAndANewHostNeedsTheKeyAgain() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await Self.app(transport: transport)
        try await app.test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json,
                body: Self.body(
                    #"{"kind": "api-key", "name": "OpenAI", "fields": {"apiKey": "\#(Self.canary)", "allowedHosts": ["api.openai.com"]}}"#
                ))
            #expect(created.status == .created)
            #expect(!String(buffer: created.body).contains(Self.canary))
            let body = Self.json(created.body)
            #expect(body["status"] == .string("ready") && body["callback_url"] == .null)
            #expect(body["fields"]?["apiKey"] == .string("••••6789"))
            #expect(body["fields"]?["headerName"] == .string("Authorization"))
            let id = try #require(body["id"]?.stringValue)
            let login = try await client.execute(uri: "/api/v1/connections/\(id)/authenticate", method: .post)
            #expect(login.status == .conflict && Self.json(login.body)["error"]?["code"] == .string("no_login"))
            let widened = try await client.execute(
                uri: "/api/v1/connections/\(id)", method: .patch, headers: Self.json,
                body: Self.body(#"{"fields": {"allowedHosts": ["api.openai.com", "attacker.example"]}}"#))
            #expect(widened.status == .unprocessableContent)
            let problem = Self.json(widened.body)["error"]?["problems"]?.arrayValue?.first
            #expect(problem?["field"] == .string("fields.apiKey") && problem?["reason"] == .string("retype_secret"))
        }
    }

    @Test func anotherTeamsConnectionIsA404AndTokensAreRequired() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await Self.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: vault.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "b", store: vault.accounts)
        try await app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/api/v1/connections", method: .get)
            #expect(anonymous.status == .unauthorized)
            let forged = try await client.execute(
                uri: "/api/v1/connections", method: .get, headers: [.authorization: "Bearer kft_forged"])
            #expect(forged.status == .unauthorized)
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post,
                headers: [.authorization: "Bearer \(alice)", .contentType: "application/json"],
                body: Self.body(Self.createCustom))
            let id = try #require(Self.json(created.body)["id"]?.stringValue)
            for (method, path) in [
                (HTTPRequest.Method.get, ""), (.delete, ""), (.post, "/duplicate"), (.post, "/sign-out"),
            ] {
                let response = try await client.execute(
                    uri: "/api/v1/connections/\(id)\(path)", method: method, headers: [.authorization: "Bearer \(bob)"])
                #expect(response.status == .notFound, "\(method) \(path) gave \(response.status)")
            }
            let bobsList = try await client.execute(
                uri: "/api/v1/connections", method: .get, headers: [.authorization: "Bearer \(bob)"])
            #expect(Self.json(bobsList.body) == .array([]))
            let alicesList = try await client.execute(
                uri: "/api/v1/connections", method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(Self.json(alicesList.body).arrayValue?.count == 1)
        }
    }

    @Test func badOversizedAndInvalidBodiesAreJSONErrors() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await Self.app(transport: transport)
        try await app.test(.router) { client in
            let broken = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json, body: Self.body("{\"kind\": "))
            #expect(broken.status == .badRequest && Self.json(broken.body)["error"]?["code"] == .string("bad_json"))
            let huge = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json,
                body: Self.body("{\"x\": \"" + String(repeating: "a", count: 300_000) + "\"}"))
            #expect(huge.status == .contentTooLarge)
            let noKind = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json, body: Self.body(#"{"name": "x"}"#))
            #expect(
                noKind.status == .unprocessableContent && Self.json(noKind.body)["error"]?["field"] == .string("kind"))
            let invalid = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json,
                body: Self.body(
                    #"{"kind": "custom-oauth2", "name": "x", "fields": {"clientID": "c", "tokenURL": "nope", "authorizationURL": "https://a.example/a"}}"#
                ))
            #expect(invalid.status == .unprocessableContent)
            #expect(Self.json(invalid.body)["error"]?["field"] == .string("fields.tokenURL"))
        }
    }

    /// The Vault's typed problems come back as JSON paths of the request body, one entry per
    /// field, with no CLI flag in any message.
    @Test func invalidFieldsAreNamedByTheirJSONPaths() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await Self.app(transport: transport)
        try await app.test(.router) { client in
            let invalid = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json,
                body: Self.body(
                    #"{"kind": "custom-oauth2", "name": "x", "fields": {"clientID": "c", "tokenURL": "nope", "authorizationURL": "https://a.example/a", "consumerKey": "k"}}"#
                ))
            #expect(invalid.status == .unprocessableContent)
            let error = Self.json(invalid.body)["error"]
            #expect(error?["code"] == .string("invalid_input") && error?["field"] == .string("fields.consumerKey"))
            let problems = error?["problems"]?.arrayValue ?? []
            #expect(
                problems.map { $0["field"] } == [.string("fields.consumerKey"), .string("fields.tokenURL")],
                "\(problems)")
            #expect(
                problems.map { $0["reason"] } == [.string("not_applicable"), .string("invalid_url")], "\(problems)")
            #expect(problems.last?["message"]?.stringValue?.hasPrefix("fields.tokenURL: ") == true, "\(problems)")
            let message = error?["message"]?.stringValue ?? ""
            #expect(
                message.contains("fields.consumerKey does not apply to Custom OAuth 2.0 (custom-oauth2)"), "\(message)")
            #expect(!String(buffer: invalid.body).contains("--"), "\(message)")
            let unknownKind = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json,
                body: Self.body(#"{"kind": "nope", "name": "x"}"#))
            #expect(Self.json(unknownKind.body)["error"]?["problems"]?.arrayValue?.first?["field"] == .string("kind"))
            #expect(
                Self.json(unknownKind.body)["error"]?["problems"]?.arrayValue?.first?["reason"]
                    == .string("unknown_kind"))
        }
    }
}
