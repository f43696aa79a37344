import COpenSSL
import Foundation
import Synchronization

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

    /// Fills `buffer` with random bytes from OpenSSL's CSPRNG (per-thread DRBGs seeded from the
    /// system, reseeded after fork): one call for a nonce, where the system generator made a
    /// system call per 8 bytes. Falls back to the system generator if OpenSSL reports failure.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let start = buffer.baseAddress, buffer.count > 0 else { return }
        if buffer.count <= Int(Int32.max),
            RAND_bytes(start.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1
        {
            return
        }
        var generator = SystemRandomNumberGenerator()
        for index in 0..<buffer.count { buffer[index] = generator.next() }
    }

    /// Fills `buffer` (at most 64 bytes) with random bytes for a nonce: the system's generator
    /// (`getentropy`) is asked for 256 bytes at a time and they are handed out once each under a
    /// lock, so that a signed request makes a system call one time in sixteen rather than twice
    /// (OpenSSL's RAND_bytes took longer still: locks, parameter look-ups and a getpid). A child
    /// process never reuses its parent's bytes: a fork empties the pool. Not for keys.
    public static func fillNonce(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count <= 64 else { return fill(buffer) }
        let served = noncePool.withLock { pool -> Bool in
            if forked.exchange(false, ordering: .relaxed) { pool.next = NoncePool.size }
            if pool.next + buffer.count > NoncePool.size {
                let ok = pool.bytes.withUnsafeMutableBytes { getentropy($0.baseAddress, NoncePool.size) == 0 }
                guard ok else { return false }
                pool.next = 0
            }
            let next = pool.next
            pool.bytes.withUnsafeMutableBytes { bytes in
                let slice = UnsafeMutableRawBufferPointer(rebasing: bytes[next..<(next + buffer.count)])
                buffer.copyMemory(from: UnsafeRawBufferPointer(slice))
                slice.initializeMemory(as: UInt8.self, repeating: 0)  // handed out once: wiped
            }
            pool.next += buffer.count
            return true
        }
        if !served { fill(buffer) }
    }

    private struct NoncePool {
        /// getentropy's maximum per call.
        static let size = 256
        var bytes = [UInt8](repeating: 0, count: size)
        var next = size
    }

    private static let noncePool: Mutex<NoncePool> = {
        // In a forked child the pool holds the parent's unused bytes: mark it to be refilled.
        pthread_atfork(nil, nil) { SecureRandom.forked.store(true, ordering: .relaxed) }
        return Mutex(NoncePool())
    }()

    private static let forked = Atomic<Bool>(false)

    /// `2 * byteCount` lowercase hex digits of random bytes (OAuth 1.0a nonces, among others).
    public static func hex(byteCount: Int) -> String {
        let count = max(byteCount, 0)
        let random = [UInt8](unsafeUninitializedCapacity: count) { bytes, initialized in
            fill(UnsafeMutableRawBufferPointer(bytes))
            initialized = count
        }
        return String(unsafeUninitializedCapacity: 2 * count) { hex in
            for index in 0..<count {
                let byte = random[index]
                hex[2 * index] = PercentEncoding.lowerHexDigits[Int(byte >> 4)]
                hex[2 * index + 1] = PercentEncoding.lowerHexDigits[Int(byte & 0x0F)]
            }
            return 2 * count
        }
    }
}
