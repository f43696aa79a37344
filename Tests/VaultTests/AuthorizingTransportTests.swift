import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// The one path of an authorized request, with a recording base transport: the origin check
/// (nothing is sent to a host the connection does not allow), the credential, one refresh
/// and one retry after a 401, and credentials never following a redirect to another origin.
struct AuthorizingTransportTests {
    static func vaultWithConnection(refreshToken: String? = nil) async throws -> (Vault, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-http-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let id = try await vault.add(
            kind: "custom-oauth2", name: "API",
            input: ConnectionInput(
                text: [
                    "clientID": "c", "clientSecret": "s", "authorizationURL": "https://api.example.com/authorize",
                    "tokenURL": "https://api.example.com/token",
                ])
        ).id
        try await vault.storeTokens(
            id, ConnectionTokens(accessToken: "secret-access-token", refreshToken: refreshToken))
        return (vault, id)
    }

    static func redirecting(to location: String, status: Int = 302) -> RecordingTransport {
        let calls = LockedCounter()
        return RecordingTransport { _ in
            calls.next() == 1
                ? HTTPTransportResponse(status: status, headers: [("Location", location)])
                : HTTPTransportResponse(
                    status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        }
    }

    static func transport(_ base: RecordingTransport, vault: Vault, id: String) -> AuthorizingTransport {
        AuthorizingTransport(
            base: base,
            credentials: ConnectionCredentials(broker: TokenBroker(vault: vault, transport: base), connection: id))
    }

    @Test(arguments: ["https://evil.example/collect", "http://api.example.com/v2", "https://api.example.com:8443/v2"])
    func aRedirectToAnotherOriginDropsTheCredential(location: String) async throws {
        let (vault, id) = try await Self.vaultWithConnection()
        let base = Self.redirecting(to: location)
        let response = try await Self.transport(base, vault: vault, id: id)
            .send(HTTPTransportRequest(method: "GET", url: "https://api.example.com/v1"), timeout: .seconds(5))
        #expect(response.status == 200)
        #expect(base.requests.count == 2)
        #expect(base.requests[0].header("Authorization") == "Bearer secret-access-token")
        #expect(base.requests[1].url == location)
        #expect(base.requests[1].header("Authorization") == nil)
    }

    @Test func theLoopbackExceptionDoesNotFollowARedirectToAnotherOrigin() async throws {
        for (location, keeps) in [("/v2", true), ("http://127.0.0.1:9/v2", false), ("https://evil.example/", false)] {
            let base = Self.redirecting(to: location)
            var request = HTTPTransportRequest(method: "GET", url: "http://127.0.0.1:11434/v1/models")
            request.allowsLoopback = true
            _ = try await AuthorizingTransport(base: base, credentials: nil).send(request, timeout: .seconds(5))
            #expect(base.requests.map(\.allowsLoopback) == [true, keeps], "\(location)")
        }
    }

    @Test func aSameOriginRedirectKeepsItAndA303BecomesAGet() async throws {
        let (vault, id) = try await Self.vaultWithConnection()
        let base = Self.redirecting(to: "/v2/items", status: 303)
        _ = try await Self.transport(base, vault: vault, id: id).send(
            HTTPTransportRequest(
                method: "POST", url: "https://api.example.com/v1/items",
                headers: [("content-type", "application/json")],
                body: Array("{}".utf8)), timeout: .seconds(5))
        #expect(base.requests[1].url == "https://api.example.com/v2/items")
        #expect(base.requests[1].method == "GET" && base.requests[1].body == nil)
        #expect(base.requests[1].header("Authorization") == "Bearer secret-access-token")
    }

    @Test func aHostTheConnectionDoesNotAllowGetsNothingSent() async throws {
        let (vault, id) = try await Self.vaultWithConnection()
        let base = RecordingTransport(status: 200, json: "{}")
        let error = await #expect(throws: AuthorizeError.self) {
            try await Self.transport(base, vault: vault, id: id)
                .send(HTTPTransportRequest(method: "GET", url: "https://evil.example/v1"), timeout: .seconds(5))
        }
        guard case .hostNotAllowed(let host, _, _, _)? = error else {
            Issue.record("expected hostNotAllowed, got \(String(describing: error))"); return
        }
        #expect(host == "evil.example")
        #expect(base.requests.isEmpty)
    }

    @Test func a401RefreshesOnceAndRetriesOnceWithTheNewToken() async throws {
        let (vault, id) = try await Self.vaultWithConnection(refreshToken: "the-refresh-token")
        let apiCalls = LockedCounter()
        let base = RecordingTransport { request in
            if request.url == "https://api.example.com/token" {
                return HTTPTransportResponse(
                    status: 200, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"access_token":"fresh-token","token_type":"Bearer","expires_in":3600}"#.utf8))
            }
            return apiCalls.next() == 1 ? HTTPTransportResponse(status: 401) : HTTPTransportResponse(status: 200)
        }
        let response = try await Self.transport(base, vault: vault, id: id).send(
            HTTPTransportRequest(
                method: "POST", url: "https://api.example.com/v1/items",
                headers: [("Content-Type", "application/json")],
                body: Array(#"{"n":1}"#.utf8)), timeout: .seconds(5))
        #expect(response.status == 200)
        #expect(
            base.requests.map(\.url) == [
                "https://api.example.com/v1/items", "https://api.example.com/token", "https://api.example.com/v1/items",
            ])
        #expect(base.requests[0].header("Authorization") == "Bearer secret-access-token")
        #expect(base.requests[2].header("Authorization") == "Bearer fresh-token")
        #expect(base.requests[2].body == Array(#"{"n":1}"#.utf8))  // the buffered body is sent again
        #expect(try await vault.tokens(of: id)?.accessToken == "fresh-token")  // stored before it was used
    }

    @Test func aSecond401IsReturnedNotRetriedAgain() async throws {
        let (vault, id) = try await Self.vaultWithConnection(refreshToken: "the-refresh-token")
        let base = RecordingTransport { request in
            if request.url == "https://api.example.com/token" {
                return HTTPTransportResponse(
                    status: 200, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"access_token":"fresh-token","token_type":"Bearer","expires_in":3600}"#.utf8))
            }
            return HTTPTransportResponse(status: 401)
        }
        let response = try await Self.transport(base, vault: vault, id: id)
            .send(HTTPTransportRequest(method: "GET", url: "https://api.example.com/v1"), timeout: .seconds(5))
        #expect(response.status == 401)
        #expect(base.requests.filter { $0.url == "https://api.example.com/v1" }.count == 2)
        #expect(base.requests.filter { $0.url == "https://api.example.com/token" }.count == 1)
    }

    @Test func withoutCredentialsOnlyTheRedirectRulesApply() async throws {
        let base = Self.redirecting(to: "https://elsewhere.example/landing")
        let response = try await AuthorizingTransport(base: base, credentials: nil).send(
            HTTPTransportRequest(method: "GET", url: "https://api.example.com/v1", headers: [("X-Api-Key", "k-1234")]),
            timeout: .seconds(5))
        #expect(response.status == 200)
        #expect(base.requests[0].header("Authorization") == nil && base.requests[0].header("X-Api-Key") == "k-1234")
        #expect(base.requests[1].header("X-Api-Key") == nil)
    }
}
