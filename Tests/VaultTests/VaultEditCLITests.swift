import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// `keyflow vault edit` enforces where secrets may go (findings 6 and 8) as a user meets it.
struct VaultEditCLITests {
    @Test func movingTheTokenURLWithoutTheSecretIsAValidationErrorNamingTheFlag() async throws {
        let home = try TestHome()
        let id = try VaultCLITests.add(home)
        try await home.open().storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        let moved = try VaultCLITests.run(home, ["edit", id, "--token-url", "https://evil.example/token"])
        #expect(moved.status == 2)
        #expect(moved.stderr.contains("--client-secret: enter the client secret again"), "\(moved.stderr)")
        #expect(try await home.open().connection(id).settings.tokenURL == "https://auth.example/token")
        #expect(try await home.open().connection(id).hasTokens)
        let withSecret = try VaultCLITests.run(
            home, ["edit", id, "--token-url", "https://evil.example/token", "--client-secret", "-"],
            stdin: "a-new-secret\n")
        #expect(withSecret.status == 0, "\(withSecret.stderr)")
        #expect(try await home.open().connection(id).settings.tokenURL == "https://evil.example/token")
    }

    @Test func addingAnAllowedHostSignsOutAndPlainHTTPIsRefused() async throws {
        let home = try TestHome()
        let id = try VaultCLITests.add(home)
        try await home.open().storeTokens(id, ConnectionTokens(accessToken: "at", refreshToken: "rt"))
        let http = try VaultCLITests.run(home, ["edit", id, "--allowed-host", "http://api.example.com"])
        #expect(http.status == 2 && http.stderr.contains("loopback"), "\(http.stderr)")
        let added = try VaultCLITests.run(home, ["edit", id, "--allowed-host", "api.example.com"])
        #expect(added.status == 0 && added.stdout.contains("signed out"), "\(added.stdout)")
        #expect(try await !home.open().connection(id).hasTokens)
    }
}
