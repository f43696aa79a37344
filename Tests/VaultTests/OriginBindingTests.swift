import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// A credential is bound to origins (scheme, host and port), not to host names (finding 6).
@Suite struct OriginBindingTests {
    /// A custom OAuth 2.0 connection with a stored token; `allowedHosts` nil means the origins
    /// of its own URLs.
    static func connection(tokenURL: String = "https://auth.example.com/token", allowedHosts: [String]? = nil)
        async throws -> (TestHome, Vault, String)
    {
        let home = try TestHome()
        let vault = try await home.open()
        let id = try await vault.add(
            kind: "custom-oauth2", name: "Bound",
            input: ConnectionInput(
                text: [
                    "clientID": "client",
                    "authorizationURL": tokenURL.replacingOccurrences(of: "/token", with: "/authorize"),
                    "tokenURL": tokenURL,
                ],
                allowedHosts: allowedHosts)
        ).id
        try await vault.storeTokens(
            id,
            ConnectionTokens(
                accessToken: "bound-token", tokenType: "Bearer", expiresAt: Date().timeIntervalSince1970 + 3600))
        return (home, vault, id)
    }

    /// The Authorization header the authorizer adds for `url`, or the error it throws.
    static func authorize(_ url: String, vault: Vault, id: String) async -> Result<String?, AuthorizeError> {
        let authorizer = TestAuthorizer(
            broker: TokenBroker(vault: vault, transport: RecordingTransport(status: 500, json: "{}")))
        var request = HTTPTransportRequest(method: "GET", url: url)
        do {
            try await authorizer.authorize(&request, connection: id)
            return .success(request.header("Authorization"))
        } catch let error as AuthorizeError {
            return .failure(error)
        } catch {
            return .failure(.invalidURL(String(describing: error)))
        }
    }

    static func isRefused(_ result: Result<String?, AuthorizeError>) -> Bool {
        if case .failure(.hostNotAllowed) = result { return true }
        return false
    }

    @Test func aTokenForOneLoopbackPortIsNotSentToAnother() async throws {
        // A custom kind allows the origins of its own URLs: here http://127.0.0.1:4100 only.
        let (_, vault, id) = try await Self.connection(tokenURL: "http://127.0.0.1:4100/token")
        #expect(
            try await Self.authorize("http://127.0.0.1:4100/api", vault: vault, id: id).get() == "Bearer bound-token")
        for other in [
            "http://127.0.0.1:4200/api", "http://127.0.0.1/api", "https://127.0.0.1:4100/api",
            "http://localhost:4100/api",
        ] {
            #expect(Self.isRefused(await Self.authorize(other, vault: vault, id: id)), "\(other)")
        }
        // The cached path (a second request) applies the same rule.
        #expect(Self.isRefused(await Self.authorize("http://127.0.0.1:4200/api", vault: vault, id: id)))
    }

    @Test func anExplicitLoopbackEntryAllowsThatPortOnly() async throws {
        let (_, vault, id) = try await Self.connection(allowedHosts: ["http://127.0.0.1:4100"])
        #expect(
            try await Self.authorize("http://127.0.0.1:4100/api", vault: vault, id: id).get() == "Bearer bound-token")
        #expect(Self.isRefused(await Self.authorize("http://127.0.0.1:4200/api", vault: vault, id: id)))
    }

    @Test func anHTTPSEntryDoesNotAuthorizeHTTPOrAnotherPort() async throws {
        let (_, vault, id) = try await Self.connection(allowedHosts: [
            "api.example.com", "*.files.example.com", "api.example.com:8443",
        ])
        #expect(
            try await Self.authorize("https://api.example.com/v1", vault: vault, id: id).get() == "Bearer bound-token")
        #expect(
            try await Self.authorize("https://api.example.com:443/v1", vault: vault, id: id).get()
                == "Bearer bound-token")
        #expect(
            try await Self.authorize("https://api.example.com:8443/v1", vault: vault, id: id).get()
                == "Bearer bound-token")
        #expect(
            try await Self.authorize("https://eu.files.example.com/x", vault: vault, id: id).get()
                == "Bearer bound-token")
        for refused in [
            "http://api.example.com/v1", "http://api.example.com:443/v1", "https://api.example.com:9443/v1",
            "http://eu.files.example.com/x", "https://eu.files.example.com:8443/x",
        ] {
            let result = await Self.authorize(refused, vault: vault, id: id)
            #expect(Self.isRefused(result), "\(refused)")
        }
        if case .failure(let error) = await Self.authorize("http://api.example.com/v1", vault: vault, id: id) {
            #expect(error.description.contains("http://api.example.com") && error.description.contains("use https"))
        }
    }

    @Test func theValidatorRejectsPlainHTTPExceptExplicitLoopback() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let input = { (hosts: [String]) in
            ConnectionInput(
                text: ["clientID": "c", "authorizationURL": "https://a.example/a", "tokenURL": "https://a.example/t"],
                allowedHosts: hosts)
        }
        for bad in [
            "http://api.example.com", "http://*.example.com", "http://10.0.0.1:8080", "ftp://api.example.com",
            "api.example.com/path", "api.example.com:0", "api.example.com:99999", "https://user@api.example.com",
        ] {
            await #expect(throws: VaultError.self, "\(bad)") {
                try await vault.add(kind: "custom-oauth2", name: "x", input: input([bad]))
            }
            do { try await vault.add(kind: "custom-oauth2", name: "x", input: input([bad])) } catch let
                VaultError.invalidConnection(problems)
            {
                #expect(
                    problems.contains {
                        guard case .invalidAllowedHost(let entry, _) = $0.reason else { return false }
                        return $0.field == .allowedHosts && entry == bad
                    }, "\(problems)")
            } catch {}
        }
        let good = try await vault.add(
            kind: "custom-oauth2", name: "ok",
            input: input([
                "http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:80", "HTTPS://API.example.com:443/",
                "api.example.com:8443", "*.example.org",
            ]))
        // Stored in the shortest form: equal origins compare equal when an edit is checked.
        #expect(
            good.settings.allowedHosts == [
                "http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:80", "api.example.com",
                "api.example.com:8443", "*.example.org",
            ])
    }

    @Test func entriesStoredBeforeOriginBindingMeanHTTPSOn443() async throws {
        // A connection saved by an older version has a bare host; it keeps working for https.
        let (_, vault, id) = try await Self.connection(allowedHosts: ["127.0.0.1"])
        #expect(try await Self.authorize("https://127.0.0.1/api", vault: vault, id: id).get() == "Bearer bound-token")
        #expect(Self.isRefused(await Self.authorize("http://127.0.0.1:4100/api", vault: vault, id: id)))
    }

    @Test func allowedOriginsParse() throws {
        #expect(AllowedOrigin("api.example.com")?.description == "api.example.com")
        #expect(AllowedOrigin("https://api.example.com:8443")?.description == "api.example.com:8443")
        #expect(AllowedOrigin("http://LOCALHOST")?.description == "http://localhost:80")
        #expect(AllowedOrigin("http://127.0.0.2:1")?.port == 1)
        #expect(AllowedOrigin("http://127.0.0.1.evil.example:80") == nil)
        #expect(AllowedOrigin("http://[::2]:80") == nil)
        #expect(AllowedOrigin("api.example.com:") == nil)
        #expect(AllowedOrigin.problem(with: "http://api.example.com")?.contains("loopback") == true)
        #expect(
            AllowedOrigin.isLoopback("127.9.9.9") && !AllowedOrigin.isLoopback("127.0.0.1.nip.io")
                && !AllowedOrigin.isLoopback("128.0.0.1"))
    }
}
