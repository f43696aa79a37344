import Foundation
import OAuthCore
import TestSupport
import Testing

struct ProviderCatalogTests {
    @Test func theSevenOAuthKindsAndTheAPIKeyKindHaveStableIDs() throws {
        let catalog = try ProviderCatalog.builtIn()
        #expect(
            catalog.kinds.map(\.id) == [
                "google", "linkedin", "x-oauth1", "x-oauth2", "custom-oauth2", "custom-oauth1",
                "client-credentials", "api-key",
            ])
    }

    /// The `oauthService` values of SmythOS Studio (fixtures/smythos-agents/SOURCE.md).
    @Test(arguments: [
        ("Google", "google"), ("LinkedIn", "linkedin"), ("Twitter", "x-oauth1"),
        ("Twitter/X OAuth2", "x-oauth2"), ("Custom OAuth2.0", "custom-oauth2"),
        ("Custom OAuth1.0", "custom-oauth1"), ("OAuth2 Client Credentials", "client-credentials"),
    ])
    func legacyServiceNamesMapToKinds(service: String, kind: String) throws {
        #expect(try ProviderCatalog.builtIn().kind(legacyServiceName: service)?.id == kind)
    }

    @Test func prefilledKindsAskOnlyForCredentialsAndScopes() throws {
        let catalog = try ProviderCatalog.builtIn()
        for id in ["google", "linkedin", "x-oauth2"] {
            let kind = try #require(catalog.kind(id: id))
            #expect(kind.isPrefilled)
            #expect(Set(kind.requiredFields).isSubset(of: ["clientID", "clientSecret"]))
            #expect(kind.urls.authorization != nil && kind.urls.token != nil)
        }
        let x1 = try #require(catalog.kind(id: "x-oauth1"))
        #expect(x1.requiredFields == ["consumerKey", "consumerSecret"])
        #expect(x1.urls.requestToken != nil && x1.urls.accessToken != nil && x1.urls.userAuthorization != nil)
        #expect(x1.allowedHosts.contains("api.twitter.com") && x1.allowedHosts.contains("api.x.com"))
    }

    @Test func providerSpecificsAreData() throws {
        let catalog = try ProviderCatalog.builtIn()
        let google = try #require(catalog.kind(id: "google"))
        #expect(google.authorizationParameters["access_type"] == "offline")
        #expect(google.authorizationParameters["prompt"] == "consent")
        #expect(google.allowedHosts == ["*.googleapis.com"])
        let x2 = try #require(catalog.kind(id: "x-oauth2"))
        #expect(x2.pkce == .required)
        #expect(x2.clientAuthentication == .basic)
        let custom = try #require(catalog.kind(id: "custom-oauth2"))
        #expect(custom.pkce == .optional && !custom.isPrefilled)
        #expect(custom.requiredFields.contains("authorizationURL") && custom.requiredFields.contains("tokenURL"))
        let cc = try #require(catalog.kind(id: "client-credentials"))
        #expect(!cc.needsUserLogin)
        #expect(cc.optionalFields.contains("audience"))
        let custom1 = try #require(catalog.kind(id: "custom-oauth1"))
        #expect(
            Set(custom1.requiredFields).isSuperset(of: [
                "requestTokenURL", "accessTokenURL", "userAuthorizationURL", "consumerKey",
            ]))
    }

    @Test func secretFieldsAreMarked() throws {
        let catalog = try ProviderCatalog.builtIn()
        #expect(
            catalog.fields.filter(\.secret).map(\.id).sorted() == [
                "apiKey", "clientSecret", "consumerSecret", "privateKey",
            ])
    }

    @Test func addingAProviderIsAddingAnEntry() throws {
        var json =
            try JSONSerialization.jsonObject(with: Repository.data("Sources/OAuthCore/Resources/providers.json"))
            as? [String: Any] ?? [:]
        var kinds = json["kinds"] as? [[String: Any]] ?? []
        var github = kinds[4]
        github["id"] = "github"
        github["displayName"] = "GitHub"
        github["legacyServiceNames"] = []
        github["urls"] = [
            "authorization": "https://github.com/login/oauth/authorize",
            "token": "https://github.com/login/oauth/access_token",
        ]
        kinds.append(github)
        json["kinds"] = kinds
        let catalog = try ProviderCatalog(json: JSONSerialization.data(withJSONObject: json))
        #expect(catalog.kind(id: "github")?.isPrefilled == true)
    }

    @Test func inconsistentCatalogsAreRejected() throws {
        var json =
            try JSONSerialization.jsonObject(with: Repository.data("Sources/OAuthCore/Resources/providers.json"))
            as? [String: Any] ?? [:]
        var kinds = json["kinds"] as? [[String: Any]] ?? []
        kinds[0]["requiredFields"] = ["clientID", "favouriteColour"]
        json["kinds"] = kinds
        #expect(throws: CatalogError.self) { try ProviderCatalog(json: JSONSerialization.data(withJSONObject: json)) }
    }
}
