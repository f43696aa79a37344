import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing
import Vault

/// The HTTP client of APICall: credentials never follow a redirect to another origin.
struct AuthorizedHTTPTests {
    static func vaultWithConnection() throws -> (Vault, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-http-\(UUID().uuidString)")
        let vault = try Vault.open(home: KeyflowHome(directory: directory)).vault
        let id = try vault.add(kind: "custom-oauth2", name: "API", input: ConnectionInput(
            text: ["clientID": "c", "clientSecret": "s", "authorizationURL": "https://api.example.com/authorize",
                   "tokenURL": "https://api.example.com/token"])).id
        try vault.storeTokens(id, ConnectionTokens(accessToken: "secret-access-token"))
        return (vault, id)
    }

    static func redirecting(to location: String, status: Int = 302) -> RecordingTransport {
        let calls = LockedCounter()
        return RecordingTransport { _ in
            calls.next() == 1 ? HTTPTransportResponse(status: status, headers: [("Location", location)])
                : HTTPTransportResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        }
    }

    @Test(arguments: ["https://evil.example/collect", "http://api.example.com/v2", "https://api.example.com:8443/v2"])
    func aRedirectToAnotherOriginDropsTheCredential(location: String) async throws {
        let (vault, id) = try Self.vaultWithConnection()
        let transport = Self.redirecting(to: location)
        let http = AuthorizedHTTP(transport: transport, authorizer: RequestAuthorizer(broker: TokenBroker(vault: vault, transport: transport)))
        let response = try await http.send(AgentHTTPRequest(method: "GET", url: "https://api.example.com/v1", connectionID: id))
        #expect(response.status == 200)
        #expect(transport.requests.count == 2)
        #expect(transport.requests[0].header("Authorization") == "Bearer secret-access-token")
        #expect(transport.requests[1].url == location)
        #expect(transport.requests[1].header("Authorization") == nil)
    }

    @Test func aSameOriginRedirectKeepsItAndA303BecomesAGet() async throws {
        let (vault, id) = try Self.vaultWithConnection()
        let transport = Self.redirecting(to: "/v2/items", status: 303)
        let http = AuthorizedHTTP(transport: transport, authorizer: RequestAuthorizer(broker: TokenBroker(vault: vault, transport: transport)))
        _ = try await http.send(AgentHTTPRequest(method: "POST", url: "https://api.example.com/v1/items",
                                                 headers: [("content-type", "application/json")], body: Array("{}".utf8), connectionID: id))
        #expect(transport.requests[1].url == "https://api.example.com/v2/items")
        #expect(transport.requests[1].method == "GET" && transport.requests[1].body == nil)
        #expect(transport.requests[1].header("Authorization") == "Bearer secret-access-token")
    }
}
