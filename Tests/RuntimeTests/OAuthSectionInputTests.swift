import Foundation
import OAuthCore
import Runtime
import Testing
import Vault

/// An APICall's OAuth section is read by the Vault's one `ConnectionInputDecoder`: the SmythOS
/// inline names and the catalog ids, trimmed, without the request's other settings.
struct OAuthSectionInputTests {
    static func data(_ text: String) throws -> JSONObject {
        try #require(try JSONParser.parse(Array(text.utf8)).objectValue)
    }

    @Test func aLegacySectionGivesItsInlineFields() throws {
        let data = try Self.data(
            #"""
            {"url": "https://api.example/me", "method": "GET", "oauthService": "Custom OAuth2.0", "clientID": " app ", "clientSecret": "",
             "scope": "read write", "authorizationURL": "https://a.example/authorize", "tokenURL": "https://a.example/token",
             "pkce": true, "allowedHosts": []}
            """#)
        let section = OAuthSection(data: data, catalog: try ProviderCatalog.builtIn())
        #expect(
            section
                == .legacy(
                    kind: "custom-oauth2",
                    input: ConnectionInput(
                        text: [
                            "clientID": "app", "authorizationURL": "https://a.example/authorize",
                            "tokenURL": "https://a.example/token",
                        ],
                        scopes: ["read write"], pkce: true)))
    }

    @Test func anAddNewSectionGivesTheFieldsOfOAuthNew() throws {
        let data = try Self.data(
            #"""
            {"oauth_con_id": "add_new", "oauth_new": {"kind": "custom-oauth2", "name": "New", "clientID": "app",
             "scopes": ["read", "write"], "scope": "ignored", "allowedHosts": ["api.example.com"], "bodyHash": false}}
            """#)
        let section = OAuthSection(data: data, catalog: try ProviderCatalog.builtIn())
        #expect(
            section
                == .addNew(
                    kind: "custom-oauth2", name: "New",
                    input: ConnectionInput(
                        text: ["clientID": "app"], scopes: ["read", "write"], allowedHosts: ["api.example.com"],
                        bodyHash: false)))
    }

    /// The Vault's typed problems land at the section's own paths, not at a CLI flag.
    @Test func preflightNamesTheSectionsFieldsByTheirPaths() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-section-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let agent = try singleComponentAgent(
            type: "APICall",
            data: #"""
                {"url": "https://api.example/me", "method": "GET", "oauth_con_id": "add_new",
                 "oauth_new": {"kind": "custom-oauth2", "name": "New", "clientID": "app", "authorizationURL": "https://a.example/a", "tokenURL": "nope"}}
                """#, outputs: ["Response"])
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let preflight = Preflight(vault: vault, broker: TokenBroker(vault: vault, transport: transport), login: nil)
        let error = await #expect(throws: PreflightError.self) { try await preflight.resolve(agent, agentID: "a") }
        let issue = try #require(error?.problems.first)
        #expect(
            issue.path.hasSuffix("data.oauth_new.tokenURL") && issue.message.hasPrefix("oauth_new.tokenURL: "),
            "\(issue)")
        #expect(error?.description.contains("--") == false, "\(String(describing: error))")
    }
}
