import COpenSSL

/// HMAC-SHA1 keyed once, from OpenSSL's libcrypto: the SHA-1 states after the key's inner and
/// outer pads. Each MAC copies those two 96-byte structs on the stack, so a MAC costs no
/// allocation and no key set-up; the `sign` benchmark measured it against swift-crypto's HMAC
/// from a keyed copy and OpenSSL's HMAC_CTX/EVP_MAC copies (BENCHMARKS.md) and it was the fastest.
/// A value type holding no heap memory: it is Sendable and shared freely between threads.
public struct KeyedHMACSHA1: @unchecked Sendable {
    // @unchecked: the C struct is plain integers (no pointers); it is only ever read after init.
    private let state: keyflow_hmac_sha1_key

    /// The byte count of a MAC.
    public static let byteCount = 20

    /// Keys the HMAC with `key` (any length; keys longer than a block are hashed first).
    public init(key: [UInt8]) {
        var state = keyflow_hmac_sha1_key()
        key.withUnsafeBufferPointer { keyflow_hmac_sha1_init(&state, $0.baseAddress, $0.count) }
        self.state = state
    }

    /// Writes the MAC of `message` to `mac`, which must have room for `byteCount` bytes.
    @inline(__always)
    public func authenticationCode(for message: UnsafeRawBufferPointer, into mac: UnsafeMutablePointer<UInt8>) {
        withUnsafePointer(to: state) { keyflow_hmac_sha1($0, message.baseAddress, message.count, mac) }
    }

    /// The MAC of `message`.
    public func authenticationCode(for message: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.byteCount) { mac, count in
            guard let out = mac.baseAddress else { return }
            message.withUnsafeBytes { authenticationCode(for: $0, into: out) }
            count = Self.byteCount
        }
    }
}
