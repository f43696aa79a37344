import Foundation
import OAuthCore
import TestSupport
import Testing

/// The published vectors of `fixtures/oauth-vectors.json`, each checked for base string and
/// signature.
struct OAuth1VectorTests {
    struct Vector: Decodable, CustomTestStringConvertible {
        let source: String
        let method: String
        let url: String
        let form: [[String]]?
        let consumer_key: String
        let consumer_secret: String
        let token: String?
        let token_secret: String?
        let nonce: String
        let timestamp: String
        let signature_method: String
        let base_string: String?
        let signature: String
        let oauth_version: String?
        var testDescription: String { source }
    }

    struct PKCEVector: Decodable {
        let code_verifier: String
        let code_challenge: String
    }

    struct File: Decodable {
        let oauth1: [Vector]
        let pkce: [PKCEVector]
    }

    static let file: File? = try? JSONDecoder().decode(File.self, from: Repository.data("fixtures/oauth-vectors.json"))

    @Test func theVectorFileLoads() throws {
        let file = try #require(Self.file)
        #expect(file.oauth1.count >= 3)
        #expect(!file.pkce.isEmpty)
    }

    @Test(arguments: file?.oauth1 ?? [])
    func vector(_ vector: Vector) throws {
        let method = try #require(OAuth1SignatureMethod(name: vector.signature_method))
        let signer = OAuth1Signer(
            credentials: OAuth1Credentials(
                consumerKey: vector.consumer_key, consumerSecret: vector.consumer_secret,
                token: vector.token, tokenSecret: vector.token_secret, signatureMethod: method),
            nonce: { vector.nonce }, clock: { Int(vector.timestamp) ?? -1 })
        let body: OAuth1Request.Body =
            vector.form.map { pairs in
                .form(FormEncoding.encode(pairs.map { ($0[0], $0.count > 1 ? $0[1] : "") }))
            } ?? .none
        let request = try OAuth1Request(method: vector.method, url: vector.url, body: body)
        let signature = try signer.sign(request, options: .init(includeVersion: vector.oauth_version != nil))
        if let expected = vector.base_string {
            #expect(signature.baseString == expected)
        }
        #expect(signature.signature == vector.signature)
        #expect(
            signature.authorizationHeader().contains("oauth_signature=\"\(PercentEncoding.encode(vector.signature))\""))
    }

    @Test func pkceVectors() throws {
        for vector in try #require(Self.file).pkce {
            let pkce = try #require(PKCE(verifier: vector.code_verifier))
            #expect(pkce.challenge == vector.code_challenge)
        }
    }
}
