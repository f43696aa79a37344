import Crypto
import Foundation
import OAuthCore
import TestSupport
import Testing

struct PKCETests {
    @Test(arguments: [43, 64, 128])
    func verifierHasTheRequestedLengthAndOnlyUnreservedCharacters(length: Int) {
        let pkce = PKCE(length: length)
        #expect(pkce.verifier.count == length)
        #expect(pkce.verifier.utf8.allSatisfy(PercentEncoding.isUnreserved))
        #expect(PKCE(verifier: pkce.verifier) == pkce)
    }

    @Test func lengthsOutsideTheRFCAreClamped() {
        #expect(PKCE(length: 10).verifier.count == 43)
        #expect(PKCE(length: 500).verifier.count == 128)
    }

    @Test func verifiersAreFreshAndUseTheWholeAlphabet() {
        let verifiers = (0..<500).map { _ in PKCE().verifier }
        #expect(Set(verifiers).count == verifiers.count)
        let used = Set(verifiers.joined())
        #expect(used.count == 66)  // A-Z a-z 0-9 - . _ ~: a biased generator would miss some
    }

    @Test func challengeIsBase64URLOfSHA256WithoutPadding() {
        let pkce = PKCE()
        let digest = Data(SHA256.hash(data: Array(pkce.verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(pkce.challenge == digest)
        #expect(pkce.challenge.count == 43)
        #expect(PKCE.method == "S256")
    }

    @Test(arguments: [
        "short", String(repeating: "a", count: 129), String(repeating: "a", count: 42) + " ",
        String(repeating: "ä", count: 43),
    ])
    func invalidVerifiersAreRejected(verifier: String) {
        #expect(PKCE(verifier: verifier) == nil)
    }
}
