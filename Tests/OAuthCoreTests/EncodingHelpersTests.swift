import Foundation
import OAuthCore
import Testing

/// The one place each for secure randomness, constant-time comparison and base64url.
struct EncodingHelpersTests {
    @Test func secureRandomBytesHaveTheAskedLengthAndDiffer() {
        for count in [0, 1, 7, 8, 9, 16, 32, 33] { #expect(SecureRandom.bytes(count).count == count) }
        #expect(SecureRandom.bytes(-1).isEmpty)
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        // Every byte position gets used: not only the low byte of each 64-bit draw.
        let draws = (0..<64).map { _ in SecureRandom.bytes(16) }
        for position in 0..<16 { #expect(Set(draws.map { $0[position] }).count > 1) }
    }

    @Test func secureRandomStringsUseOnlyTheAlphabet() {
        let alphabet = Array("ab".utf8)
        let text = SecureRandom.string(length: 200, alphabet: alphabet)
        #expect(text.utf8.count == 200 && text.utf8.allSatisfy(alphabet.contains))
        #expect(Set(text) == ["a", "b"])
        #expect(SecureRandom.string(length: 5, alphabet: []) == "")
    }

    @Test func tokensAreURLSafeAnd256Bits() {
        let tokens = (0..<100).map { _ in SecureRandom.token() }
        #expect(Set(tokens).count == 100)
        #expect(
            tokens.allSatisfy {
                $0.utf8.count == 43 && $0.utf8.allSatisfy(PercentEncoding.isUnreserved) && !$0.contains(".")
            })
    }

    @Test func hexIsLowercaseAndOfTheAskedLength() {
        let hex = SecureRandom.hex(byteCount: 16)
        #expect(hex.count == 32 && hex.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(SecureRandom.hex(byteCount: 9).count == 18)
        #expect(SecureRandom.hex(byteCount: 0) == "")
        #expect(OAuth1Signer.randomNonce().count == 32)
    }

    @Test func base64URLFollowsRFC4648Section5WithoutPadding() {
        #expect(Base64URL.encode([UInt8]()) == "")
        #expect(Base64URL.encode(Array("f".utf8)) == "Zg")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64URL.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.encode([0xFF, 0xFE]) == "__4")
    }

    @Test func constantTimeComparesStringsAndBytes() {
        #expect(ConstantTime.isEqual("state-123", "state-123"))
        #expect(!ConstantTime.isEqual("state-123", "state-124"))
        #expect(!ConstantTime.isEqual("state-123", "state-12"))
        #expect(ConstantTime.isEqual("", ""))
        #expect(ConstantTime.isEqual([1, 2, 3] as [UInt8], Array([1, 2, 3] as [UInt8])[...]))
    }
}
