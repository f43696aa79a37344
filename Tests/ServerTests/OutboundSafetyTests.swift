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

/// Where the server lets secrets and requests go: editing a connection cannot move its secrets
/// (finding 8) and agents cannot reach internal addresses (finding 15).
@Suite(.serialized) struct OutboundSafetyTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func patchingTheTokenURLToAnotherOriginNeedsTheClientSecret() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json,
                body: ConnectionsAPITests.body(ConnectionsAPITests.createCustom))
            let id = try #require(ConnectionsAPITests.json(created.body)["id"]?.stringValue)
            try await vault.storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
            let moved = try await client.execute(
                uri: "/api/v1/connections/\(id)", method: .patch, headers: Self.json,
                body: ConnectionsAPITests.body(#"{"fields": {"tokenURL": "https://evil.example/token"}}"#))
            #expect(moved.status == .unprocessableContent)
            #expect(ConnectionsAPITests.json(moved.body)["error"]?["field"] == .string("fields.clientSecret"))
            #expect(!String(buffer: moved.body).contains(ConnectionsAPITests.canary))
            #expect(try await vault.connection(id).settings.tokenURL == "https://auth.example/token")
            #expect(try await vault.connection(id).hasTokens)
            let widened = try await client.execute(
                uri: "/api/v1/connections/\(id)", method: .patch, headers: Self.json,
                body: ConnectionsAPITests.body(#"{"fields": {"allowedHosts": ["api.example.com"]}}"#))
            #expect(widened.status == .ok)
            #expect(ConnectionsAPITests.json(widened.body)["status"] == .string("needs-auth"))
            #expect(try await !vault.connection(id).hasTokens)
        }
    }

    @Test func theEditFormShowsTheSecretProblemNextToItsField() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let (vault, id) = try await EditFormTests.signedInConnection(root)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault/connections/\(id)/edit", method: .get)
            let session = try #require(VaultPageTests.csrf(from: page))
            let moved =
                "csrf=\(session.csrf)&name=API&clientID=app&clientSecret=&authorizationURL=https%3A%2F%2Fa.example%2Fauthorize"
                + "&tokenURL=https%3A%2F%2Fevil.example%2Ftoken&scopes=&pkce_present=1&allowedHosts="
            let rejected = try await client.execute(
                uri: "/vault/connections/\(id)/edit", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: session.cookies],
                body: ByteBuffer(string: moved))
            #expect(rejected.status == .unprocessableContent)
            let form = String(buffer: rejected.body)
            // The problem names the field by its label, right after the secret's control.
            let control = try #require(form.range(of: "name=\"clientSecret\""))
            let problem = try #require(form.range(of: "“Client Secret”: enter the client secret again"))
            #expect(control.upperBound < problem.lowerBound)
            #expect(!form.contains("old-secret-123456789"))
            #expect(try await vault.connection(id).settings.tokenURL == "https://a.example/token")
            #expect(try await vault.connection(id).hasTokens)
        }
    }

    /// An agent whose one APICall GETs `url`.
    static func agent(calling url: String) -> String {
        #"{"id": "probe", "name": "Probe", "components": [{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]}, {"id": "A", "name": "APICall", "title": "Probe", "data": {"method": "GET", "url": "\#(url)"}, "inputs": [{"name": "trigger", "index": 0, "optional": true}], "outputs": [{"name": "Response", "index": 0, "default": true}]}, {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "A", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}], "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "A", "targetIndex": 0}, {"sourceId": "A", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}]}"#
    }

    /// Runs the probe agent against `url` through a server whose transport has `policy`;
    /// returns the run's response body.
    static func probe(_ url: String, policy: AddressPolicy) async throws -> String {
        let transport = AsyncHTTPTransport(addressPolicy: policy)
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await ConnectionsAPITests.app(transport: transport)
        return try await app.test(.router) { client in
            let put = try await client.execute(
                uri: "/api/v1/agents/probe", method: .put, headers: Self.json,
                body: ByteBuffer(string: agent(calling: url)))
            #expect(put.status == .created, "\(String(buffer: put.body))")
            let run = try await client.execute(
                uri: "/api/v1/agents/probe/run", method: .post, headers: Self.json,
                body: ByteBuffer(string: #"{"endpoint": "go", "inputs": {}}"#))
            return String(buffer: run.body)
        }
    }

    @Test func agentsRunByTheServerCannotReachInternalAddressesUnlessAllowed() async throws {
        let peer = try PeerServer(script: "echo_server.py")
        defer { peer.stop() }
        let port = try #require(try RequestURL(peer.baseURL).port)
        let loopback = "http://127.0.0.1:\(port)/echo"
        let named = "http://localhost:\(port)/echo"
        let metadata = "http://169.254.169.254/latest/meta-data/"
        for url in [loopback, named, metadata] {
            let body = try await Self.probe(url, policy: .publicOnly())
            #expect(body.contains("internal address") && body.contains("--allow-network"), "\(url): \(body)")
        }
        let allowed = AddressPolicy.publicOnly(allowing: [try CIDR("127.0.0.0/8")])
        for url in [loopback, named] {
            let body = try await Self.probe(url, policy: allowed)
            #expect(!body.contains("internal address"), "\(url): \(body)")
        }
        #expect(try await Self.probe(metadata, policy: allowed).contains("internal address"))
        let stats = try await AsyncHTTPTransportStats.echoed(peer)
        #expect(stats == 2)
    }

    @Test func tokenRequestsToTeamConfiguredURLsObeyThePolicyToo() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        defer { peer.stop() }
        let transport = AsyncHTTPTransport(addressPolicy: .publicOnly())
        defer { Task { try? await transport.shutdown() } }
        let (app, _) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: Self.json,
                body: ConnectionsAPITests.body(
                    #"{"kind": "client-credentials", "name": "M2M", "fields": {"clientID": "machine", "clientSecret": "machine-secret", "tokenURL": "\#(peer.baseURL)/token"}}"#
                ))
            let id = try #require(ConnectionsAPITests.json(created.body)["id"]?.stringValue)
            let authenticated = try await client.execute(uri: "/api/v1/connections/\(id)/authenticate", method: .post)
            #expect(authenticated.status != .ok)
            #expect(
                String(buffer: authenticated.body).contains("internal address"), "\(String(buffer: authenticated.body))"
            )
        }
    }
}

/// Reads the echo peer's counter with an unrestricted transport.
enum AsyncHTTPTransportStats {
    static func echoed(_ peer: PeerServer) async throws -> Int {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let response = try await transport.send(
            HTTPTransportRequest(method: "GET", url: peer.baseURL + "/stats"), timeout: .seconds(5))
        return ((try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any])?["echoed"] as? Int
            ?? -1
    }
}
