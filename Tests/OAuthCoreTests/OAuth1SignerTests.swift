import Crypto
import CryptoExtras
import Foundation
import OAuthCore
import TestSupport
import Testing

struct OAuth1SignerTests {
    static let credentials = OAuth1Credentials(
        consumerKey: "key", consumerSecret: "c secret&", token: "tok",
        tokenSecret: "t+secret")

    static func signer(_ credentials: OAuth1Credentials = credentials) -> OAuth1Signer {
        OAuth1Signer(credentials: credentials, nonce: { "nonce" }, clock: { 1_700_000_000 })
    }

    @Test func headerQuotesAndEncodesEveryValueIncludingRealm() throws {
        let request = try OAuth1Request(method: "get", url: "https://api.example.com/x")
        let signature = try Self.signer().sign(request)
        let header = signature.authorizationHeader(realm: "Photos & Co")
        #expect(
            header.hasPrefix("OAuth realm=\"Photos%20%26%20Co\", oauth_consumer_key=\"key\", oauth_nonce=\"nonce\", "))
        #expect(header.contains("oauth_signature_method=\"HMAC-SHA1\""))
        #expect(header.contains("oauth_version=\"1.0\""))
        #expect(header.contains("oauth_signature=\"\(PercentEncoding.encode(signature.signature))\""))
        #expect(!signature.parameterString.contains("realm"))
        #expect(signature.baseString.hasPrefix("GET&https%3A%2F%2Fapi.example.com%2Fx&"))
    }

    @Test func signingKeyEncodesBothSecrets() throws {
        let request = try OAuth1Request(method: "GET", url: "https://api.example.com/x")
        let plaintext = try Self.signer(
            OAuth1Credentials(
                consumerKey: "key", consumerSecret: "c secret&", token: "tok",
                tokenSecret: "t+secret", signatureMethod: .plaintext)
        ).sign(request)
        #expect(plaintext.signature == "c%20secret%26&t%2Bsecret")
        let hmac = try Self.signer().sign(request)
        let expected = HMAC<Insecure.SHA1>.authenticationCode(
            for: Array(hmac.baseString.utf8),
            using: SymmetricKey(data: Array("c%20secret%26&t%2Bsecret".utf8)))
        #expect(hmac.signature == Data(expected).base64EncodedString())
    }

    @Test func hmacSHA256UsesSHA256() throws {
        var credentials = Self.credentials
        credentials.signatureMethod = .hmacSHA256
        let signature = try Self.signer(credentials).sign(try OAuth1Request(method: "POST", url: "https://a.example/b"))
        let expected = HMAC<SHA256>.authenticationCode(
            for: Array(signature.baseString.utf8),
            using: SymmetricKey(data: Array("c%20secret%26&t%2Bsecret".utf8)))
        #expect(signature.signature == Data(expected).base64EncodedString())
        #expect(signature.baseString.contains("HMAC-SHA256"))
    }

    @Test func queryFormAndDuplicatesAreSortedByEncodedNameThenValue() throws {
        let request = try OAuth1Request(
            method: "POST", url: "https://a.example/b?z=1&a=2&a=1&b=%41",
            body: .form("a=0&c=x+y&oauth_signature=ignored"))
        let signature = try Self.signer().sign(request, options: .init(includeVersion: false))
        #expect(
            signature.parameterString == "a=0&a=1&a=2&b=A&c=x%20y&oauth_consumer_key=key&oauth_nonce=nonce"
                + "&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1700000000&oauth_token=tok&z=1")
    }

    @Test func bodyHashCoversNonFormBodiesOnly() throws {
        let json = Array(#"{"text":"hi"}"#.utf8)
        let withBody = try Self.signer().sign(
            try OAuth1Request(method: "POST", url: "https://a.example/b", body: .bytes(json)),
            options: .init(bodyHash: true))
        let expected = Data(Insecure.SHA1.hash(data: json)).base64EncodedString()
        #expect(withBody.protocolParameters.contains { $0.name == "oauth_body_hash" && $0.value == expected })
        #expect(withBody.parameterString.contains("oauth_body_hash=\(PercentEncoding.encode(expected))"))

        let form = try Self.signer().sign(
            try OAuth1Request(method: "POST", url: "https://a.example/b", body: .form("a=1")),
            options: .init(bodyHash: true))
        #expect(!form.protocolParameters.contains { $0.name == "oauth_body_hash" })

        let unsigned = try Self.signer().sign(
            try OAuth1Request(method: "POST", url: "https://a.example/b", body: .bytes(json)))
        #expect(!unsigned.protocolParameters.contains { $0.name == "oauth_body_hash" })
    }

    @Test func queryOutputCarriesTheSignedParameters() throws {
        let url = try RequestURL("https://a.example/b?x=1")
        let signature = try Self.signer().sign(OAuth1Request(method: "GET", url: url))
        let signed = signature.signedURL(url)
        let names = FormEncoding.decode(signed.query ?? "").map(\.name)
        #expect(names.first == "x")
        #expect(names.contains("oauth_signature"))
        #expect(
            FormEncoding.decode(signed.query ?? "").first { $0.name == "oauth_signature" }?.value == signature.signature
        )
    }

    @Test func extraProtocolParametersAreSigned() throws {
        let signature = try Self.signer().sign(
            try OAuth1Request(method: "POST", url: "https://a.example/request_token"),
            options: .init(extraProtocolParameters: [("oauth_callback", "http://127.0.0.1:8787/oauth/oauth1/callback")])
        )
        #expect(
            signature.parameterString.contains(
                "oauth_callback=http%3A%2F%2F127.0.0.1%3A8787%2Foauth%2Foauth1%2Fcallback"))
    }

    @Test func defaultNonceIs128RandomBits() {
        let nonces = (0..<200).map { _ in OAuth1Signer.randomNonce() }
        #expect(Set(nonces).count == nonces.count)
        for nonce in nonces {
            #expect(nonce.count == 32)
            #expect(nonce.allSatisfy { $0.isHexDigit })
        }
    }

    @Test func rsaSHA1AcceptsLegacy1024BitKeysAndVerifies() throws {
        for file in ["rsa-1024-test", "rsa-2048-test"] {
            let key = try OAuth1RSAKey(pem: Repository.text("fixtures/keys/\(file).pem"))
            let signer = Self.signer(
                OAuth1Credentials(consumerKey: "key", consumerSecret: "", signatureMethod: .rsaSHA1, rsaKey: key))
            let signature = try signer.sign(try OAuth1Request(method: "GET", url: "https://a.example/b?c=d"))
            let publicKey = try _RSA.Signing.PublicKey(
                unsafePEMRepresentation: Repository.text("fixtures/keys/\(file).pub.pem"))
            let raw = try #require(Data(base64Encoded: signature.signature))
            #expect(
                publicKey.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: raw),
                    for: Insecure.SHA1.hash(data: Array(signature.baseString.utf8)),
                    padding: .insecurePKCS1v1_5))
        }
    }

    @Test func rsaKeysThatAreTooShortOrNotKeysAreRefusedWithoutQuotingThem() throws {
        let short = try Repository.text("fixtures/keys/rsa-512-test.pem")
        #expect(throws: OAuth1Error.self) { try OAuth1RSAKey(pem: short) }
        do {
            _ = try OAuth1RSAKey(
                pem: "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----")
        } catch {
            #expect(!error.description.contains("c2VjcmV0"))
        }
        let noKey = Self.signer(OAuth1Credentials(consumerKey: "k", consumerSecret: "", signatureMethod: .rsaSHA1))
        #expect(throws: OAuth1Error.missingPrivateKey) {
            try noKey.sign(try OAuth1Request(method: "GET", url: "https://a.example/"))
        }
    }
}
