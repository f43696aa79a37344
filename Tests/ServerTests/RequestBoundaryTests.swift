import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import Testing
import Vault

/// The request boundary in front of every route: Host names, Origin, and JSON-only API
/// bodies, in the no-users mode a web page could otherwise drive.
struct RequestBoundaryTests {
    /// A server really listening (HummingbirdTesting binds localhost, port 0) and a real HTTP
    /// client, so that a request can carry any Host header, as a DNS-rebound page's would.
    @Test func aRebindingHostIsRefusedAndOurNamesAnswer() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(
            transport: transport, binding: .init(host: "127.0.0.1", port: 0))
        try await app.test(.ahc(.http)) { client in
            let port = try #require(client.port)
            func send(_ method: HTTPRequest.Method, _ path: String, hosts: [String], body: String? = nil) async throws
                -> TestResponse
            {
                var headers = HTTPFields()
                for host in hosts {
                    headers.append(HTTPFields.Element(name: HTTPFields.Element.Name("Host")!, value: host))
                }
                if body != nil { headers[.contentType] = "application/json" }
                return try await client.execute(
                    uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            }
            #expect(
                try await send(.get, "/api/v1/connections", hosts: ["evil.example:\(port)"]).status
                    == .misdirectedRequest)
            let created = try await send(
                .post, "/api/v1/connections", hosts: ["evil.example:\(port)"], body: ConnectionsAPITests.createCustom)
            #expect(created.status == .misdirectedRequest)
            #expect(try await vault.forTeam(Vault.localTeam).list().isEmpty)
            #expect(try await send(.get, "/vault", hosts: ["evil.example"]).status == .misdirectedRequest)
            #expect(
                try await send(.get, "/vault", hosts: ["127.0.0.1.evil.example:\(port)"]).status == .misdirectedRequest)
            #expect(
                try await send(.get, "/api/v1/connections", hosts: ["127.0.0.1:\(port)", "evil.example"]).status
                    == .misdirectedRequest)
            // Our own names answer: the bound address, localhost (bound to loopback), and the public URL's.
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST:\(port)", "127.0.0.1:8787"] {
                #expect(try await send(.get, "/api/v1/connections", hosts: [host]).status == .ok, "\(host)")
            }
            // Load balancers probe health by IP.
            #expect(try await send(.get, "/healthz", hosts: ["10.1.2.3"]).status == .ok)
        }
    }

    @Test func theAPITakesBodiesOnlyAsJSON() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            for contentType in [
                "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/jsonp", nil,
            ] {
                let headers: HTTPFields = contentType.map { [.contentType: $0] } ?? [:]
                let response = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: headers,
                    body: ConnectionsAPITests.body(ConnectionsAPITests.createCustom))
                #expect(response.status == .unsupportedMediaType, "\(contentType ?? "no type") gave \(response.status)")
                #expect(ConnectionsAPITests.json(response.body)["error"]?["code"] == .string("unsupported_media_type"))
            }
            #expect(try await vault.forTeam(Vault.localTeam).list().isEmpty)
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: [.contentType: "Application/JSON; charset=utf-8"],
                body: ConnectionsAPITests.body(ConnectionsAPITests.createCustom))
            #expect(created.status == .created)
            // A request without a body needs no type.
            let id = try #require(ConnectionsAPITests.json(created.body)["id"]?.stringValue)
            #expect(
                try await client.execute(uri: "/api/v1/connections/\(id)/duplicate", method: .post).status == .created)
        }
    }

    @Test func aForeignOriginIsRefusedOnFormsAndTheAPI() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/vault", method: .get)
            let (cookies, csrf) = try WebSessionTests.session(from: page)
            func postKey(origin: String?) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookies]
                if let origin { headers[.origin] = origin }
                return try await client.execute(
                    uri: "/vault/keys", method: .post, headers: headers,
                    body: ByteBuffer(string: "csrf=\(csrf)&name=K&value=v"))
            }
            for origin in [
                "https://evil.example", "null", "http://localhost.evil.example", "http://localhost:8080",
                "https://localhost",
            ] {
                #expect(try await postKey(origin: origin).status == .forbidden, "\(origin)")
                var headers = ConnectionsAPITests.json
                headers[.origin] = origin
                let api = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: headers,
                    body: ConnectionsAPITests.body(ConnectionsAPITests.createCustom))
                #expect(api.status == .forbidden, "\(origin)")
                #expect(ConnectionsAPITests.json(api.body)["error"]?["code"] == .string("cross_origin"))
            }
            #expect(try await vault.forTeam(Vault.localTeam).keyNames().isEmpty)
            #expect(try await vault.forTeam(Vault.localTeam).list().isEmpty)
            // Our own origins (the address the test framework uses, and the public URL) pass.
            #expect(try await postKey(origin: "http://localhost").status == .seeOther)
            #expect(try await postKey(origin: "http://127.0.0.1:8787").status == .seeOther)
            #expect(try await postKey(origin: nil).status == .seeOther)
            #expect(try await vault.forTeam(Vault.localTeam).keyNames() == ["K"])
            // The provider's redirect back to a callback is a GET and is not refused for its origin.
            let callback = try await client.execute(
                uri: "/oauth/oauth2/callback?state=unknown&code=x", method: .get,
                headers: [.origin: "https://provider.example", .cookie: cookies])
            #expect(callback.status != .forbidden)
        }
    }
}
