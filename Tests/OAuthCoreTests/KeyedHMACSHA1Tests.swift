import COpenSSL
import Crypto
import OAuthCore
import TestSupport
import Testing

/// The signer's HMAC-SHA1 (OpenSSL's SHA-1 from keyed pad states) against RFC 2202's vectors,
/// swift-crypto's HMAC and OpenSSL's own HMAC API.
struct KeyedHMACSHA1Tests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// RFC 2202 section 3: key, data, HMAC-SHA1.
    static let vectors: [(key: [UInt8], data: [UInt8], mac: String)] = [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b617318655057264e28bc0b6fb378c8ef146be00"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        (
            [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3"
        ),
        (Array(1...25), [UInt8](repeating: 0xcd, count: 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
        (
            [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
            "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"
        ),
        (
            [UInt8](repeating: 0xaa, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        ),
        (
            [UInt8](repeating: 0xaa, count: 80),
            Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"
        ),
    ]

    /// OpenSSL's HMAC API, from a keyed context copied, as the benchmark measures it.
    static func openSSLHMAC(key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        let keyed = try #require(key.withUnsafeBytes { keyflow_hmac_ctx_sha1_new($0.baseAddress, Int32($0.count)) })
        let work = try #require(HMAC_CTX_new())
        defer {
            HMAC_CTX_free(keyed)
            HMAC_CTX_free(work)
        }
        var mac = [UInt8](repeating: 0, count: 20)
        let ok = data.withUnsafeBytes { message in
            mac.withUnsafeMutableBufferPointer {
                keyflow_hmac_ctx_sha1(work, keyed, message.baseAddress, message.count, $0.baseAddress)
            }
        }
        #expect(ok == 1)
        return mac
    }

    @Test func rfc2202VectorsAgreeAcrossOpenSSLAndSwiftCrypto() throws {
        for vector in Self.vectors {
            let keyed = KeyedHMACSHA1(key: vector.key)
            #expect(Self.hex(keyed.authenticationCode(for: vector.data)) == vector.mac)
            // The keyed state is left as it was: a second MAC is the same.
            #expect(Self.hex(keyed.authenticationCode(for: vector.data)) == vector.mac)
            let swiftCrypto = HMAC<Insecure.SHA1>.authenticationCode(
                for: vector.data, using: SymmetricKey(data: vector.key))
            #expect(Self.hex(Array(swiftCrypto)) == vector.mac)
            #expect(Self.hex(try Self.openSSLHMAC(key: vector.key, data: vector.data)) == vector.mac)
        }
    }

    @Test func randomKeysAndMessagesAgreeWithSwiftCrypto() throws {
        var generator = SeededGenerator(seed: 2202)
        // Keys around the 64-byte block (hashed first above it), messages around block ends.
        for keyLength in [0, 1, 19, 20, 63, 64, 65, 100, 200] {
            for messageLength in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000] {
                let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let expected = Array(
                    HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
                #expect(KeyedHMACSHA1(key: key).authenticationCode(for: message) == expected)
                #expect(try Self.openSSLHMAC(key: key, data: message) == expected)
            }
        }
    }
}
