import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Server
import Testing
import Vault

/// CSRF tokens belong to the browser's session: another session's token, or a pair of
/// matching values an attacker chose (the old double-submit cookie), is refused; no cookie
/// value ever appears in a page.
struct CSRFTests {
    static func postKey(_ client: some TestClientProtocol, cookies: String, csrf: String, name: String = "K")
        async throws -> TestResponse
    {
        try await client.execute(
            uri: "/vault/keys", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookies],
            body: ByteBuffer(string: "csrf=\(csrf)&name=\(name)&value=v"))
    }

    @Test func aTokenFromAnotherSessionOrChosenByAnAttackerIsRefused() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        try await app.test(.router) { client in
            // Two browsers in the no-users mode: each has its own anonymous session.
            let first = try WebSessionTests.session(from: try await client.execute(uri: "/vault", method: .get))
            let second = try WebSessionTests.session(from: try await client.execute(uri: "/vault", method: .get))
            #expect(first.csrf != second.csrf && first.cookies != second.cookies)
            #expect(try await Self.postKey(client, cookies: first.cookies, csrf: second.csrf).status == .forbidden)
            // The old double-submit check trusted any cookie equal to the form's value.
            #expect(try await Self.postKey(client, cookies: "kf_csrf=attacker", csrf: "attacker").status == .forbidden)
            #expect(
                try await Self.postKey(client, cookies: first.cookies + "; kf_csrf=attacker", csrf: "attacker").status
                    == .forbidden)
            #expect(try await Self.postKey(client, cookies: first.cookies, csrf: "").status == .forbidden)
            #expect(try await vault.forTeam(Vault.localTeam).keyNames().isEmpty)
            #expect(try await Self.postKey(client, cookies: first.cookies, csrf: first.csrf).status == .seeOther)
            #expect(try await vault.forTeam(Vault.localTeam).keyNames() == ["K"])
        }
        // With users: Bob's token does not work with Alice's session.
        let (usersApp, root) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: root.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "a", store: root.accounts)
        try await usersApp.test(.router) { client in
            let alices = try await WebSessionTests.signIn(client, token: alice)
            let bobs = try await WebSessionTests.signIn(client, token: bob)
            #expect(try await Self.postKey(client, cookies: alices.cookies, csrf: bobs.csrf).status == .forbidden)
            #expect(try await root.forTeam("a").keyNames().isEmpty)
            #expect(try await Self.postKey(client, cookies: alices.cookies, csrf: alices.csrf).status == .seeOther)
        }
    }

    @Test func noCookieValueIsReflectedIntoAPage() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        // "~" is in no random token the pages carry (base64url, hex), so finding the marker
        // means it was reflected; "zq" alone turned up by chance in a CSRF token once.
        let marker = "zq~~\"><script>alert(1)</script>"
        try await app.test(.router) { client in
            for cookies in [
                "kf_csrf=\(marker)", "kf_session=\(marker)", "kf_session=a.\(marker).1.x; kf_csrf=\(marker)",
            ] {
                for path in ["/vault", "/agents", "/signin"] {
                    let page = String(
                        buffer: try await client.execute(uri: path, method: .get, headers: [.cookie: cookies]).body)
                    #expect(!page.contains("zq~~") && !page.contains("<script>alert"), "\(path) reflected \(cookies)")
                }
            }
        }
        _ = try await Users.add(name: "ada", team: "acme", store: vault.accounts)
        try await app.test(.router) { client in
            let page = String(
                buffer: try await client.execute(uri: "/signin", method: .get, headers: [.cookie: "kf_csrf=\(marker)"])
                    .body)
            #expect(!page.contains("zq~~"))
        }
    }

    /// A byte sequence that counts how many of its bytes were read.
    final class CountingBytes: Collection, @unchecked Sendable {
        let bytes: [UInt8]
        var reads = 0
        init(_ text: String) { bytes = Array(text.utf8) }
        var startIndex: Int { bytes.startIndex }
        var endIndex: Int { bytes.endIndex }
        func index(after index: Int) -> Int { index + 1 }
        subscript(position: Int) -> UInt8 {
            reads += 1
            return bytes[position]
        }
    }

    @Test func tokensAreComparedInConstantTime() {
        // Differing in the first byte, the comparison still reads every byte of both.
        let sent = CountingBytes("Xbcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        let expected = CountingBytes("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
        #expect(!ConstantTime.isEqual(sent, expected))
        #expect(sent.reads == sent.bytes.count && expected.reads == expected.bytes.count)
        #expect(ConstantTime.isEqual(Array("same".utf8), Array("same".utf8)))
        #expect(!ConstantTime.isEqual(Array("same".utf8), Array("sam".utf8)))
        #expect(!ConstantTime.isEqual(Array("same".utf8), Array("samf".utf8)))
    }
}
