import ArgumentParser
import Foundation
import OAuthCore
import Vault

/// The connection fields of `vault add` and `vault edit`, one flag per catalog field.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "OAuth 2.0 client id.") var clientId: String?
    @Option(help: "OAuth 2.0 client secret, or - to read it from standard input.") var clientSecret: String?
    @Option(help: ArgumentHelp("Scopes, separated by spaces or commas.", valueName: "scopes")) var scopes: String?
    @Option(help: "Authorization URL (custom kinds; overrides a prefilled one).") var authorizationUrl: String?
    @Option(help: "Token URL.") var tokenUrl: String?
    @Option(help: "Token revocation URL (RFC 7009).") var revocationUrl: String?
    @Flag(inversion: .prefixedNo, help: "Use PKCE (custom OAuth 2.0).") var pkce: Bool?
    @Option(help: "Audience (client credentials).") var audience: String?
    @Option(help: "client_secret_basic, client_secret_post or none.") var clientAuth: String?
    @Option(help: "OAuth 1.0a request-token URL.") var requestTokenUrl: String?
    @Option(help: "OAuth 1.0a access-token URL.") var accessTokenUrl: String?
    @Option(help: "OAuth 1.0a user authorization URL.") var userAuthUrl: String?
    @Option(help: "OAuth 1.0a consumer key.") var consumerKey: String?
    @Option(help: "OAuth 1.0a consumer secret, or - to read it from standard input.") var consumerSecret: String?
    @Option(help: ArgumentHelp("PEM file with the RSA private key (RSA-SHA1).", valueName: "file")) var privateKey:
        String?
    @Option(help: "HMAC-SHA1, HMAC-SHA256, RSA-SHA1 or PLAINTEXT.") var signatureMethod: String?
    @Option(help: "API key, or - to read it from standard input (api-key).") var apiKey: String?
    @Option(help: "The header that carries the API key (default Authorization).") var headerName: String?
    @Option(
        help: "What goes before the key in the header (default \"Bearer \" for Authorization; \"\" for none).")
    var headerPrefix: String?
    @Option(help: "Send the API key in this query parameter instead of a header.") var queryParam: String?
    @Flag(inversion: .prefixedNo, help: "OAuth 1.0a: sign non-form bodies with oauth_body_hash.") var bodyHash: Bool?
    @Option(
        help: ArgumentHelp(
            "An API origin the credential may be sent to (repeatable): api.example.com or *.example.com (https, port 443), api.example.com:8443, or http://127.0.0.1:PORT for loopback only.",
            valueName: "host"))
    var allowedHost: [String] = []

    /// The flag that sets `field` (`--token-url`), as the catalog gives it; `--name` and `--kind` otherwise.
    static func flag(for field: ConnectionField, catalog: ProviderCatalog?) -> String {
        "--" + (catalog?.field(id: field.rawValue)?.flag ?? field.rawValue)
    }

    func validate() throws {
        if [clientSecret, consumerSecret, apiKey].filter({ $0 == "-" }).count > 1 {
            throw ValidationError(
                "only one of --client-secret, --consumer-secret and --api-key can be read from standard input")
        }
    }

    /// The input for the Vault, reading `-` secrets from stdin and the private key file.
    func input(catalog: ProviderCatalog) throws -> ConnectionInput {
        var values: [(name: String, value: ConnectionInputDecoder.Value)] = []
        func add(_ id: String, _ text: String?) {
            if let text { values.append((name: id, value: .text(text))) }
        }
        add("clientID", clientId)
        add("clientSecret", try clientSecret.map { try StandardInput.secret($0, option: "--client-secret") })
        add("authorizationURL", authorizationUrl)
        add("tokenURL", tokenUrl)
        add("revocationURL", revocationUrl)
        add("audience", audience)
        add("clientAuthentication", clientAuth)
        add("requestTokenURL", requestTokenUrl)
        add("accessTokenURL", accessTokenUrl)
        add("userAuthorizationURL", userAuthUrl)
        add("consumerKey", consumerKey)
        add("consumerSecret", try consumerSecret.map { try StandardInput.secret($0, option: "--consumer-secret") })
        add("privateKey", try privateKey.map { try InputFile.text($0, option: "--private-key") })
        add("signatureMethod", signatureMethod)
        add("apiKey", try apiKey.map { try StandardInput.secret($0, option: "--api-key") })
        add("headerName", headerName)
        add("headerPrefix", headerPrefix)
        add("queryParameter", queryParam)
        add("scopes", scopes)
        if !allowedHost.isEmpty { values.append((name: "allowedHosts", value: .list(allowedHost))) }
        if let pkce { values.append((name: "pkce", value: .bool(pkce))) }
        if let bodyHash { values.append((name: "bodyHash", value: .bool(bodyHash))) }
        return ConnectionInputDecoder(catalog: catalog).decode(values)
    }
}
