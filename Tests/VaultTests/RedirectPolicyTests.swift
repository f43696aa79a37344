import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// What follows a redirect to another origin (finding 7): only a short list of harmless
/// headers, never a body.
struct RedirectPolicyTests {
    static let secretHeaders: [(name: String, value: String)] = [
        ("X-Api-Key", "key-from-the-vault-4242"), ("Cookie", "session=abc"), ("Authorization", "Basic dXNlcjpwYXNz"),
        ("X-Custom", "value"), ("Accept", "application/json"), ("User-Agent", "keyflow-test"),
        ("Accept-Language", "en"),
    ]

    /// The transport of a request that names no connection: the redirect rules still apply.
    static func http(_ transport: RecordingTransport) throws -> AuthorizingTransport {
        AuthorizingTransport(base: transport, credentials: nil)
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func aCrossOriginRedirectKeepsOnlySafeHeaders(status: Int) async throws {
        let transport = AuthorizingTransportTests.redirecting(to: "https://elsewhere.example/landing", status: status)
        _ = try await Self.http(transport).send(
            HTTPTransportRequest(method: "GET", url: "https://api.example.com/v1", headers: Self.secretHeaders),
            timeout: .seconds(5))
        #expect(transport.requests.count == 2)
        #expect(transport.requests[0].header("X-Api-Key") == "key-from-the-vault-4242")
        let followed = transport.requests[1]
        #expect(followed.url == "https://elsewhere.example/landing")
        #expect(Set(followed.headers.map { $0.name.lowercased() }) == ["accept", "user-agent", "accept-language"])
        #expect(followed.header("Accept") == "application/json")
    }

    @Test func aSameOriginRedirectKeepsEveryHeader() async throws {
        let transport = AuthorizingTransportTests.redirecting(to: "/v2", status: 302)
        _ = try await Self.http(transport).send(
            HTTPTransportRequest(method: "GET", url: "https://api.example.com/v1", headers: Self.secretHeaders),
            timeout: .seconds(5))
        #expect(transport.requests[1].url == "https://api.example.com/v2")
        #expect(transport.requests[1].header("X-Api-Key") == "key-from-the-vault-4242")
    }

    @Test(arguments: [(307, "POST"), (308, "POST"), (307, "PUT"), (301, "PUT"), (302, "PATCH")])
    func aBodyIsNeverResentToAnotherOrigin(status: Int, method: String) async throws {
        let transport = AuthorizingTransportTests.redirecting(
            to: "https://elsewhere.example/collect?x=1", status: status)
        let error = await #expect(throws: AuthorizeError.self) {
            try await Self.http(transport).send(
                HTTPTransportRequest(
                    method: method, url: "https://api.example.com/v1/items",
                    headers: [("Content-Type", "application/json")],
                    body: Array(#"{"secret":"in-the-body"}"#.utf8)), timeout: .seconds(5))
        }
        #expect(transport.requests.count == 1)
        #expect(error?.description.contains("https://elsewhere.example") == true)
        #expect(error?.description.contains("not resent across origins") == true)
        #expect(error?.description.contains("x=1") == false)
    }

    @Test func aSameOrigin307ResendsTheBodyAndA303BecomesABodylessGetAcrossOrigins() async throws {
        let same = AuthorizingTransportTests.redirecting(to: "/v2/items", status: 307)
        _ = try await Self.http(same).send(
            HTTPTransportRequest(method: "POST", url: "https://api.example.com/v1/items", body: Array("{}".utf8)),
            timeout: .seconds(5))
        #expect(same.requests[1].method == "POST" && same.requests[1].body == Array("{}".utf8))
        let seeOther = AuthorizingTransportTests.redirecting(to: "https://elsewhere.example/done", status: 303)
        _ = try await Self.http(seeOther).send(
            HTTPTransportRequest(
                method: "POST", url: "https://api.example.com/v1/items",
                headers: [("Content-Type", "application/json"), ("X-Api-Key", "k")],
                body: Array("{}".utf8)), timeout: .seconds(5))
        #expect(seeOther.requests[1].method == "GET" && seeOther.requests[1].body == nil)
        #expect(seeOther.requests[1].headers.isEmpty)
    }
}
