import Accounts
import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// A user name shared across teams: the library lists the teams in its own words, and only
/// the CLI names the flag that chooses one.
struct AmbiguousUserTests {
    @Test func theLibraryListsTheTeamsAndTheCLINamesItsFlag() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (_, vault) = try await ConnectionsAPITests.app(transport: transport)
        _ = try await Users.add(name: "ada", team: "acme", store: vault.accounts)
        _ = try await Users.add(name: "ada", team: "zeta", store: vault.accounts)
        await #expect(throws: VaultError.ambiguous(.userName("ada", teams: ["acme", "zeta"]))) {
            try await Users.find("ada", store: vault.accounts)
        }
        #expect(!VaultError.ambiguous(.userName("ada", teams: ["acme", "zeta"])).message.contains("--"))
        #expect(try await Users.find("ada", team: "zeta", store: vault.accounts).team == "zeta")

        let result = try KeyflowCLI.run(
            ["users", "remove", "ada"], environment: ["KEYFLOW_HOME": vault.home.directory.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("2 users are called ada (teams acme, zeta); pass --team or the user's id"))
        #expect(try await vault.accounts.users().count == 2)
    }
}
