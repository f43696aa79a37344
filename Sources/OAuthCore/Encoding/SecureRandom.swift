/// Random bytes, ids and tokens from the system's cryptographically secure generator. The one
/// source of secret randomness in Keyflow (keys, `state`, verifiers, nonces, ids, session ids).
public enum SecureRandom {
    /// `count` random bytes, drawn eight at a time (each draw is a system call).
    public static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(max(count, 0))
        while bytes.count < count {
            var word = generator.next()
            for _ in 0..<min(8, count - bytes.count) {
                bytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return bytes
    }

    /// `length` characters drawn uniformly (no modulo bias) from `alphabet`, which must not be empty.
    public static func string(length: Int, alphabet: [UInt8]) -> String {
        guard !alphabet.isEmpty else { return "" }
        var generator = SystemRandomNumberGenerator()
        var characters = [UInt8]()
        characters.reserveCapacity(max(length, 0))
        for _ in 0..<max(length, 0) {
            characters.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// A URL-safe secret of 256 random bits: 43 base64url characters.
    public static func token() -> String {
        Base64URL.encode(bytes(32))
    }

    /// `2 * byteCount` lowercase hex digits of random bytes, built without an intermediate array
    /// (OAuth 1.0a nonces are made on every signed request).
    public static func hex(byteCount: Int) -> String {
        let count = max(byteCount, 0)
        var generator = SystemRandomNumberGenerator()
        return String(unsafeUninitializedCapacity: 2 * count) { hex in
            var word: UInt64 = 0
            for index in 0..<count {
                if index % 8 == 0 { word = generator.next() }
                let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
                hex[2 * index] = PercentEncoding.lowerHexDigits[Int(byte >> 4)]
                hex[2 * index + 1] = PercentEncoding.lowerHexDigits[Int(byte & 0x0F)]
            }
            return 2 * count
        }
    }
}
