import OAuthCore
import Testing
import Vault

/// One decoder reads a connection's input from every source: the Add and Edit forms, a JSON
/// body, an agent's section and the CLI's flags (each source's own test drives it end to end).
struct ConnectionInputDecoderTests {
    @Test func theAddFormSkipsTheEmptyFieldsOfOtherKinds() throws {
        let input = ConnectionInputDecoder(catalog: try ProviderCatalog.builtIn(), emptyValues: .notGiven).decode(
            form: [
                (name: "clientID", value: "app"), (name: "consumerKey", value: ""), (name: "privateKey", value: ""),
                (name: "scopes", value: "read write"), (name: "allowedHosts", value: "api.example.com, *.example.org"),
                (name: "pkce", value: "on"), (name: "bodyHash", value: "on"), (name: "name", value: "N"),
                (name: "kind", value: "google"),
            ])
        #expect(
            input
                == ConnectionInput(
                    text: ["clientID": "app"], scopes: ["read write"],
                    allowedHosts: ["api.example.com", "*.example.org"],
                    pkce: true, bodyHash: true))
        #expect(
            try ConnectionInputDecoder(catalog: ProviderCatalog.builtIn(), emptyValues: .notGiven).decode(form: [
                (name: "scopes", value: ""),
                (name: "allowedHosts", value: " "),
            ]).isEmpty)
    }

    @Test func theEditFormClearsSettingsButKeepsUntypedSecretsAndScopes() throws {
        let input = ConnectionInputDecoder(
            catalog: try ProviderCatalog.builtIn(), emptyValues: .clearSettingsKeepSecrets
        ).decode(form: [
            (name: "clientSecret", value: ""), (name: "tokenURL", value: ""), (name: "clientAuthentication", value: ""),
            (name: "scopes", value: " "), (name: "allowedHosts", value: ""), (name: "pkce", value: "off"),
            (name: "bodyHash", value: "on"),
        ])
        #expect(
            input
                == ConnectionInput(
                    text: ["tokenURL": "", "clientAuthentication": ""], allowedHosts: [], pkce: false, bodyHash: true))
    }

    @Test func typedValuesAsAJSONBodyOrTheFlagsGiveThem() throws {
        let input = ConnectionInputDecoder(catalog: try ProviderCatalog.builtIn()).decode([
            (name: "clientSecret", value: .text("")), (name: "scopes", value: .list(["a", "b"])),
            (name: "allowedHosts", value: .list(["h.example"])),
            (name: "pkce", value: .bool(false)), (name: "bodyHash", value: .text("true")),
            (name: "clientID", value: .bool(true)),
            (name: "unknownField", value: .text("x")), (name: "kind", value: .text("google")),
        ])
        // An unknown name stays, so the Vault can say that it does not apply; a boolean where text is wanted does not.
        #expect(
            input
                == ConnectionInput(
                    text: ["clientSecret": "", "unknownField": "x"], scopes: ["a", "b"], allowedHosts: ["h.example"],
                    pkce: false, bodyHash: true))
        let sectionOnly = ConnectionInputDecoder(catalog: try ProviderCatalog.builtIn(), catalogFieldsOnly: true)
        #expect(
            sectionOnly.decode([
                (name: "url", value: .text("https://api.example/me")), (name: "tokenURL", value: .text("https://a/t")),
            ])
                == ConnectionInput(text: ["tokenURL": "https://a/t"]))
    }

    @Test(arguments: [[("scope", "alias"), ("scopes", "own")], [("scopes", "own"), ("scope", "alias")]])
    func theSmythOSScopeAliasGivesScopesUnlessScopesIsGiven(fields: [(String, String)]) throws {
        let decoder = ConnectionInputDecoder(catalog: try ProviderCatalog.builtIn())
        #expect(decoder.decode(form: fields.map { (name: $0.0, value: $0.1) }).scopes == ["own"])
        #expect(decoder.decode(form: [(name: "scope", value: "alias")]).scopes == ["alias"])
    }
}
