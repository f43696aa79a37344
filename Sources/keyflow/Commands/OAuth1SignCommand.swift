import ArgumentParser
import Foundation
import OAuthCore

/// `keyflow oauth1 sign`: shows every step of an OAuth 1.0a signature, for users fighting
/// "invalid signature" errors. Give the nonce and timestamp a provider logged to reproduce
/// its computation exactly.
struct OAuth1SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a request and print the parameter string, base string, signature and header.",
        discussion: """
            Tokens and secrets are masked in the output (••••1234) unless --reveal is given.
            A secret given as "-" is read from standard input.

            Example (RFC 5849 section 1.2):
              keyflow oauth1 sign --method GET \\
                --url 'http://photos.example.net/photos?file=vacation.jpg&size=original' \\
                --consumer-key dpf43f3p2l4k3l03 --consumer-secret kd94hf93k423kf44 \\
                --token nnch734d00sl2jdk --token-secret pfkkdhi9sl3r4s00 \\
                --nonce chapoH --timestamp 137131202 --no-version
            """)

    @Option(help: "HTTP method.")
    var method: String = "GET"

    @Option(help: "The full request URL, query included.")
    var url: String

    @Option(name: .customLong("form"), help: ArgumentHelp("A form body parameter (repeatable).", valueName: "k=v"))
    var formParameters: [String] = []

    @Option(help: "Consumer (client) key.")
    var consumerKey: String

    @Option(help: "Consumer secret, or - to read it from standard input.")
    var consumerSecret: String = ""

    @Option(help: "Token (request or access token).")
    var token: String?

    @Option(help: "Token secret, or - to read it from standard input.")
    var tokenSecret: String?

    @Option(help: "HMAC-SHA1, HMAC-SHA256, RSA-SHA1 or PLAINTEXT.")
    var signatureMethod: String = "HMAC-SHA1"

    @Option(help: "PEM file with the RSA private key, for RSA-SHA1.")
    var privateKey: String?

    @Option(help: "Nonce to use instead of a random one.")
    var nonce: String?

    @Option(help: "Timestamp (seconds since 1970) to use instead of now.")
    var timestamp: Int?

    @Option(help: "Realm for the Authorization header.")
    var realm: String?

    @Option(name: .customLong("body"), help: "A non-form body (JSON, XML); with --body-hash its SHA-1 is signed.")
    var rawBody: String?

    @Flag(help: "Add oauth_body_hash for a non-form body.")
    var bodyHash = false

    @Flag(name: .customLong("no-version"), help: "Leave out oauth_version=1.0.")
    var noVersion = false

    @Flag(help: "Show tokens and secrets unmasked (for local debugging only).")
    var reveal = false

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard OAuth1SignatureMethod(name: signatureMethod) != nil else {
            throw ValidationError(
                "--signature-method must be one of HMAC-SHA1, HMAC-SHA256, RSA-SHA1, PLAINTEXT (got \(signatureMethod))"
            )
        }
        if [consumerSecret, tokenSecret].filter({ $0 == "-" }).count > 1 {
            throw ValidationError("only one of --consumer-secret and --token-secret can be read from standard input")
        }
        if !formParameters.isEmpty && rawBody != nil {
            throw ValidationError("give either --form parameters or --body, not both")
        }
        for parameter in formParameters where !parameter.contains("=") {
            throw ValidationError("--form expects name=value, got \"\(parameter)\"")
        }
    }

    func run() throws {
        let method = OAuth1SignatureMethod(name: signatureMethod) ?? .hmacSHA1
        let consumerSecret = try StandardInput.secret(self.consumerSecret, option: "--consumer-secret")
        let tokenSecret = try tokenSecret.map { try StandardInput.secret($0, option: "--token-secret") }
        var rsaKey: OAuth1RSAKey?
        if let privateKey {
            let pem = try InputFile.text(privateKey, option: "--private-key")
            do { rsaKey = try OAuth1RSAKey(pem: pem) } catch { throw CLIError("--private-key \(privateKey): \(error)") }
        } else if method == .rsaSHA1 {
            throw CLIError("RSA-SHA1 needs --private-key FILE")
        }

        let body: OAuth1Request.Body
        if !formParameters.isEmpty {
            body = .form(
                FormEncoding.encode(
                    formParameters.map { parameter in
                        let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
                    }))
        } else if let rawBody {
            body = .bytes(Array(rawBody.utf8))
        } else {
            body = .none
        }

        let request: OAuth1Request
        do { request = try OAuth1Request(method: self.method, url: url, body: body) } catch {
            throw CLIError("--url: \(error)")
        }

        let fixedNonce = nonce
        let fixedTimestamp = timestamp
        let signer = OAuth1Signer(
            credentials: OAuth1Credentials(
                consumerKey: consumerKey, consumerSecret: consumerSecret, token: token,
                tokenSecret: tokenSecret, signatureMethod: method, rsaKey: rsaKey),
            nonce: { fixedNonce ?? OAuth1Signer.randomNonce() },
            clock: { fixedTimestamp ?? Int(Date().timeIntervalSince1970) })
        let signature: OAuth1Signature
        do {
            signature = try signer.sign(request, options: .init(includeVersion: !noVersion, bodyHash: bodyHash))
        } catch { throw CLIError(error.description) }

        // PLAINTEXT's signature is the secrets themselves, so it is masked as one.
        let secrets =
            reveal
            ? []
            : [consumerSecret, tokenSecret ?? "", token ?? ""]
                + (method == .plaintext ? [signature.signature] : [])
        let show = { (text: String) in SecretMask.redact(text, secrets: secrets) }
        if reveal { FileHandleOutput.warn("--reveal: the output below contains unmasked credentials") }

        let header = signature.authorizationHeader(realm: realm)
        if json {
            print(
                JSONOutput.object([
                    ("parameter_string", .string(show(signature.parameterString))),
                    ("base_string", .string(show(signature.baseString))),
                    ("signature_method", .string(method.rawValue)),
                    ("signature", .string(show(signature.signature))),
                    ("authorization_header", .string(show(header))),
                    ("signed_url", .string(show(signature.signedURL(request.url).description))),
                ]))
        } else {
            print("Normalized parameters:\n  \(show(signature.parameterString))\n")
            print("Signature base string:\n  \(show(signature.baseString))\n")
            print("Signature (\(method.rawValue)):\n  \(show(signature.signature))\n")
            print("Authorization header:\n  Authorization: \(show(header))")
        }
    }
}
