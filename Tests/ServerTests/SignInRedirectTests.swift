import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import TestSupport
import Testing
import Vault

/// Where signing in sends the browser: `next` is kept only when a browser, following the
/// `Location`, stays on this server. Checked with a WHATWG URL parser (Node's), because
/// browsers drop tabs and newlines and read `\` as `/`, unlike a naive prefix check.
struct SignInRedirectTests {
    static let tricky: [String] = [
        "/vault", "/agents/peer-profile?x=1", "/agents/a%2Fb", "/vault#notice", "/@evil.example", "/%09/evil.example",
        "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
        "//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\/evil.example",
        "\\\\evil.example",
        "/\\/evil.example", "/./\\evil.example", "/..//evil.example", "/vault//evil.example",
        "https://evil.example", "http:evil.example", "http:/evil.example", "javascript:alert(1)", "data:text/html,x",
        "/ /evil.example", "/\u{0}/evil.example", "/\u{7F}/evil.example", "/\u{3000}/evil.example",
        "/\u{FF0F}/evil.example",
        "/\u{0085}/evil.example", "/\u{200B}/evil.example", "/vault?next=//evil.example",
        "", "vault", "?next=x", "#x", ".", "..", "evil.example",
    ]

    @Test func onlyPlainPathsOfThisServerAreFollowed() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, token) = try await Users.add(name: "ada", team: "acme", store: vault.accounts)
        let locations = try await app.test(.router) { client in
            var locations: [String] = []
            for next in Self.tricky {
                let (cookies, csrf) = try WebSessionTests.session(
                    from: try await client.execute(uri: "/signin", method: .get))
                let response = try await client.execute(
                    uri: "/signin", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookies],
                    body: ByteBuffer(string: "csrf=\(csrf)&token=\(token)&next=\(PercentEncoding.encode(next))"))
                #expect(response.status == .seeOther)
                locations.append(response.headers[.location] ?? "(none)")
            }
            return locations
        }
        let base = "http://127.0.0.1:8787/signin"
        let origins = try WHATWGURL.origins(of: locations, base: base)
        for (index, origin) in origins.enumerated() {
            #expect(
                origin == "http://127.0.0.1:8787",
                "next \(Self.tricky[index].debugDescription) became Location \(locations[index].debugDescription), which a browser follows to \(origin)"
            )
            // Nothing a browser would rewrite: no control characters, spaces or backslashes.
            #expect(
                locations[index].unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) && $0 != "\\" },
                "\(locations[index].debugDescription)")
        }
        // The list has teeth: browsers would follow many of these inputs elsewhere.
        let raw = try WHATWGURL.origins(of: Self.tricky, base: base)
        #expect(raw.filter { $0 != "http://127.0.0.1:8787" }.count >= 15)
        // Plain paths are kept as they are (a still-encoded `%09` is a harmless path segment);
        // anything else goes to the Vault.
        #expect(
            Array(locations.prefix(6)) == [
                "/vault", "/agents/peer-profile?x=1", "/agents/a%2Fb", "/vault#notice", "/@evil.example",
                "/%09/evil.example",
            ])
        #expect(locations.dropFirst(6).allSatisfy { $0 == "/vault" }, "\(locations)")
    }
}
