import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// Editing a connection cannot send its tokens or its secrets somewhere new (finding 8):
/// widening its allowed origins signs it out, and moving an endpoint to another origin needs
/// the stored secrets typed again in the same edit.
struct EditSecretsTests {
    static let oauth2 = ConnectionInput(
        text: [
            "clientID": "app", "clientSecret": "s3cret-value-123456",
            "authorizationURL": "https://auth.example/authorize",
            "tokenURL": "https://auth.example/token", "revocationURL": "https://auth.example/revoke",
        ],
        allowedHosts: ["api.example.com", "files.example.com"])

    static func signedIn(_ vault: Vault, kind: String = "custom-oauth2", input: ConnectionInput = oauth2) async throws
        -> String
    {
        let id = try await vault.add(kind: kind, name: "Edited", input: input).id
        try await vault.storeTokens(
            id,
            ConnectionTokens(
                accessToken: "at", tokenType: "Bearer", refreshToken: "rt",
                tokenSecret: kind.contains("oauth1") ? "ts" : nil))
        return id
    }

    static func problems(_ body: () async throws -> Void) async -> [FieldProblem] {
        do { try await body() } catch let VaultError.invalidConnection(problems) { return problems } catch {
            return [FieldProblem("unexpected", .invalidURL("\(error)"))]
        }
        return []
    }

    /// The origin a "type the secret again" problem names, nil for other problems.
    static func movedOrigin(_ problem: FieldProblem?) -> String? {
        guard case .retypeSecret(_, _, let origin)? = problem?.reason else { return nil }
        return origin
    }

    @Test(arguments: [
        ["api.example.com", "files.example.com", "evil.example"], ["api.example.com:8443", "files.example.com"],
        ["api.example.com", "*.example.com"], ["http://127.0.0.1:9000"],
    ])
    func addingAnAllowedOriginSignsOut(hosts: [String]) async throws {
        let vault = try await TestHome().open()
        let id = try await Self.signedIn(vault)
        try await vault.edit(id, input: ConnectionInput(allowedHosts: hosts))
        let connection = try await vault.connection(id)
        #expect(!connection.hasTokens && connection.status == .needsAuth, "\(hosts) kept the tokens")
        #expect(connection.statusReason?.contains("allowed hosts now include") == true)
        #expect(try await vault.tokens(of: id) == nil)
    }

    @Test func removingOrRewritingTheSameOriginsKeepsTheTokens() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.signedIn(vault)
        for hosts in [["api.example.com"], ["https://API.example.com:443/"]] {
            try await vault.edit(id, input: ConnectionInput(allowedHosts: hosts))
            let connection = try await vault.connection(id)
            #expect(connection.hasTokens && connection.status == .ready, "\(hosts) signed out")
        }
    }

    @Test(arguments: ["tokenURL", "authorizationURL", "revocationURL"])
    func movingAnOAuth2EndpointToAnotherOriginNeedsTheClientSecretAgain(field: String) async throws {
        let vault = try await TestHome().open()
        let id = try await Self.signedIn(vault)
        let moved = ConnectionInput(text: [field: "https://evil.example/collect"])
        let problems = await Self.problems { try await vault.edit(id, input: moved) }
        #expect(problems.count == 1 && problems.first?.field == "clientSecret", "\(problems)")
        #expect(Self.movedOrigin(problems.first) == "https://evil.example")
        let sentence = problems.first?.sentence(naming: \.rawValue) ?? ""
        #expect(
            sentence.hasPrefix("clientSecret: enter the client secret again") && !sentence.contains("s3cret"),
            "\(sentence)")
        // Nothing was saved.
        #expect(try await vault.connection(id).hasTokens)
        #expect(try await Self.url(field, of: vault.connection(id)) != "https://evil.example/collect")
        // Typed again in the same edit, the move is accepted (and signs out, as any URL change).
        var again = moved
        again.text["clientSecret"] = "s3cret-value-123456"
        try await vault.edit(id, input: again)
        #expect(try await Self.url(field, of: vault.connection(id)) == "https://evil.example/collect")
        #expect(try await !vault.connection(id).hasTokens)
    }

    @Test func aNewPortOrSchemeIsAnotherOriginButANewPathIsNot() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.signedIn(vault)
        try await vault.edit(id, input: ConnectionInput(text: ["tokenURL": "https://auth.example/v2/token"]))
        #expect(
            !(await Self.problems {
                try await vault.edit(id, input: ConnectionInput(text: ["tokenURL": "https://auth.example:8443/token"]))
            }).isEmpty)
        #expect(
            !(await Self.problems {
                try await vault.edit(id, input: ConnectionInput(text: ["tokenURL": "http://auth.example/token"]))
            }).isEmpty)
        // A public client has no secret to lose: nothing to type again.
        let open = try await vault.add(
            kind: "custom-oauth2", name: "Public",
            input: ConnectionInput(text: [
                "clientID": "app", "authorizationURL": "https://auth.example/authorize",
                "tokenURL": "https://auth.example/token",
            ])
        ).id
        try await vault.edit(open, input: ConnectionInput(text: ["tokenURL": "https://other.example/token"]))
    }

    @Test(arguments: ["requestTokenURL", "accessTokenURL", "userAuthorizationURL"])
    func movingAnOAuth1EndpointNeedsTheConsumerSecretAgain(field: String) async throws {
        let vault = try await TestHome().open()
        let id = try await Self.signedIn(
            vault, kind: "custom-oauth1",
            input: ConnectionInput(text: [
                "consumerKey": "ck", "consumerSecret": "consumer-secret-98765",
                "requestTokenURL": "https://api.example/oauth/request_token",
                "accessTokenURL": "https://api.example/oauth/access_token",
                "userAuthorizationURL": "https://api.example/oauth/authorize",
            ]))
        let moved = ConnectionInput(text: [field: "https://evil.example/oauth"])
        let problems = await Self.problems { try await vault.edit(id, input: moved) }
        #expect(
            problems.count == 1 && problems.first?.field == "consumerSecret" && Self.movedOrigin(problems.first) != nil,
            "\(problems)")
        var again = moved
        again.text["consumerSecret"] = "consumer-secret-98765"
        try await vault.edit(id, input: again)
    }

    @Test func movingAnRSASignedEndpointNeedsThePrivateKeyAgain() async throws {
        let vault = try await TestHome().open()
        let key = try Repository.text("fixtures/keys/rsa-2048-test.pem")
        let id = try await Self.signedIn(
            vault, kind: "custom-oauth1",
            input: ConnectionInput(text: [
                "consumerKey": "ck", "signatureMethod": "RSA-SHA1", "privateKey": key,
                "requestTokenURL": "https://api.example/oauth/request_token",
                "accessTokenURL": "https://api.example/oauth/access_token",
                "userAuthorizationURL": "https://api.example/oauth/authorize",
            ]))
        let problems = await Self.problems {
            try await vault.edit(id, input: ConnectionInput(text: ["requestTokenURL": "https://evil.example/rt"]))
        }
        #expect(
            problems.count == 1 && problems.first?.field == "privateKey" && Self.movedOrigin(problems.first) != nil,
            "\(problems)")
        try await vault.edit(
            id, input: ConnectionInput(text: ["requestTokenURL": "https://evil.example/rt", "privateKey": key]))
    }

    @Test func changingTheKindMovesEndpointsToo() async throws {
        let vault = try await TestHome().open()
        let id = try await Self.signedIn(vault)
        // Google's endpoints are another origin: the client secret must come with the change.
        let problems = await Self.problems {
            try await vault.edit(
                id, kind: "google",
                input: ConnectionInput(text: ["authorizationURL": "", "tokenURL": "", "revocationURL": ""]))
        }
        #expect(problems.contains { $0.field == "clientSecret" && Self.movedOrigin($0) != nil }, "\(problems)")
    }

    static func url(_ field: String, of connection: Connection) -> String? {
        switch field {
        case "tokenURL": return connection.settings.tokenURL
        case "authorizationURL": return connection.settings.authorizationURL
        default: return connection.settings.revocationURL
        }
    }
}
