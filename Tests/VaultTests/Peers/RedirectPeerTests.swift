import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// Redirects across two real loopback origins (two ports of 127.0.0.1), through
/// AsyncHTTPClient: what reaches the second origin is what the policy says (finding 7).
@Suite(.serialized) struct RedirectPeerTests {
    static func echo(_ response: HTTPTransportResponse) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]) ?? [:]
    }

    @Test func secretHeadersAndTheTokenStayWithTheFirstOrigin() async throws {
        let first = try PeerServer(script: "echo_server.py")
        let second = try PeerServer(script: "echo_server.py")
        defer { first.stop(); second.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-redirect-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        // The connection allows the first origin only (its own URLs).
        let id = try await vault.add(
            kind: "custom-oauth2", name: "First",
            input: ConnectionInput(text: [
                "clientID": "c", "authorizationURL": first.baseURL + "/authorize", "tokenURL": first.baseURL + "/token",
            ])
        ).id
        try await vault.storeTokens(id, ConnectionTokens(accessToken: "token-for-the-first-origin"))
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let broker = TokenBroker(vault: vault, transport: transport)
        let http = AuthorizingTransport(
            base: transport, credentials: ConnectionCredentials(broker: broker, connection: id))

        let target = PercentEncoding.encode(second.baseURL + "/echo")
        let response = try await http.send(
            HTTPTransportRequest(
                method: "GET", url: first.baseURL + "/redirect?status=302&to=\(target)",
                headers: [("X-Api-Key", "vault-key-value-77"), ("Accept", "application/json")]), timeout: .seconds(10))
        #expect(response.status == 200)
        let headers = Self.echo(response)["headers"] as? [String: String] ?? [:]
        #expect(headers["x-api-key"] == nil && headers["authorization"] == nil, "\(headers)")
        #expect(headers["accept"] == "application/json")

        // A 307 of a POST with a body is refused: the second origin never sees it.
        await #expect(throws: AuthorizeError.self) {
            try await AuthorizingTransport(base: transport, credentials: nil).send(
                HTTPTransportRequest(
                    method: "POST", url: first.baseURL + "/redirect?status=307&to=\(target)",
                    headers: [("Content-Type", "text/plain")], body: Array("secret body".utf8)), timeout: .seconds(10))
        }
        let stats = try await transport.send(
            HTTPTransportRequest(method: "GET", url: second.baseURL + "/stats"), timeout: .seconds(5))
        #expect((try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any])?["echoed"] as? Int == 1)
    }
}
