import Foundation

/// Writes bytes through a pointer into room the caller sized beforehand: the OAuth 1.0a signer
/// builds its parameters, base string and header this way, with no bounds or uniqueness check
/// per byte (appending to an array byte by byte made those checks the bulk of signing).
struct ByteCursor {
    let start: UnsafeMutablePointer<UInt8>
    private(set) var position: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>) {
        self.start = start
        position = start
    }

    /// Bytes written so far.
    var count: Int { position - start }

    /// Forgets what was written after `count` bytes.
    mutating func rewind(to count: Int) {
        position = start + count
    }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        position.pointee = byte
        position += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        position.update(from: base, count: bytes.count)
        position += bytes.count
    }

    @inline(__always)
    mutating func put(_ bytes: StaticString) {
        put(UnsafeBufferPointer(start: bytes.utf8Start, count: bytes.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func putEscape(_ byte: UInt8) {
        position[0] = UInt8(ascii: "%")
        position[1] = PercentEncoding.upperHex(byte >> 4)
        position[2] = PercentEncoding.upperHex(byte & 0x0F)
        position += 3
    }

    /// RFC 3986's unreserved set as two 64-bit masks (bytes 0-63 and 64-127): one shift and
    /// test per byte instead of a chain of range comparisons.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6000_0000_0000  // - . 0-9
        let high: UInt64 = 0x47FF_FFFE_87FF_FFFE  // A-Z _ a-z ~
        let mask = byte < 64 ? low : (byte < 128 ? high : 0)
        return (mask >> UInt64(byte & 63)) & 1 != 0
    }

    /// RFC 3986 percent-encoding of `bytes` (at most 3 bytes out per byte in).
    @inline(__always)
    mutating func putEncoded(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes {
            if Self.isUnreserved(byte) { put(byte) } else { putEscape(byte) }
        }
    }

    /// Encodes bytes that are already percent-encoded once: every byte is unreserved or `%`,
    /// so only `%` changes (to `%25`). The signature base string encodes the normalized
    /// parameters a second time this way.
    @inline(__always)
    mutating func putEncodedAgain(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let first = bytes.baseAddress else { return }
        var from = first
        let end = first + bytes.count
        // Eight bytes at a time while they hold no `%` (a word test, no call: names and
        // values are short, and a memchr and memcpy per value cost more than the copying).
        while from < end {
            if end - from >= 8 {
                let word = UnsafeRawPointer(from).loadUnaligned(as: UInt64.self)
                let flipped = word ^ 0x2525_2525_2525_2525  // a `%` byte becomes zero
                if (flipped &- 0x0101_0101_0101_0101) & ~flipped & 0x8080_8080_8080_8080 == 0 {
                    UnsafeMutableRawPointer(position).storeBytes(of: word, as: UInt64.self)
                    position += 8
                    from += 8
                    continue
                }
            }
            let byte = from.pointee
            from += 1
            if byte == UInt8(ascii: "%") {
                position[0] = UInt8(ascii: "%")
                position[1] = UInt8(ascii: "2")
                position[2] = UInt8(ascii: "5")
                position += 3
            } else {
                put(byte)
            }
        }
    }

    /// Form-decodes `raw` from `index` (`%XX` and `+`, as `PercentEncoding.decode(_:plusAsSpace:
    /// true)`) and writes it encoded again, without building the decoded bytes; stops at `&`,
    /// and at `=` when `stopAtEquals`, and returns where it stopped. `&` and `=` are not hex
    /// digits, so an escape never spans a stop.
    @inline(__always)
    mutating func putReencoded(_ raw: UnsafeBufferPointer<UInt8>, from start: Int, stopAtEquals: Bool) -> Int {
        var index = start
        let count = raw.count
        while index < count {
            var byte = raw[index]
            if Self.isUnreserved(byte) {
                put(byte)
                index += 1
                continue
            }
            if byte == UInt8(ascii: "&") || (stopAtEquals && byte == UInt8(ascii: "=")) { return index }
            index += 1
            if byte == UInt8(ascii: "%") {
                if index + 1 < count, let high = PercentEncoding.hexValue(raw[index]),
                    let low = PercentEncoding.hexValue(raw[index + 1])
                {
                    byte = high << 4 | low
                    index += 2
                }
            } else if byte == UInt8(ascii: "+") {
                byte = UInt8(ascii: " ")
            }
            if Self.isUnreserved(byte) { put(byte) } else { putEscape(byte) }
        }
        return index
    }

    /// The decimal digits of `value`, with `-` when negative.
    mutating func putDecimal(_ value: Int) {
        if value < 0 { put(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var end = position + digits
        position = end
        repeat {
            end -= 1
            end.pointee = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// Two lower-case hex digits per byte.
    mutating func putLowerHex(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            position[0] = Self.lowerHex(byte >> 4)
            position[1] = Self.lowerHex(byte & 0x0F)
            position += 2
        }
    }

    @inline(__always)
    private static func lowerHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    private static let base64Alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    /// Standard base64 with `=` padding (RFC 4648 section 4): 4 bytes out per 3 in.
    mutating func putBase64(_ bytes: UnsafeBufferPointer<UInt8>) {
        let alphabet = Self.base64Alphabet.utf8Start
        var index = 0
        let count = bytes.count
        while index + 3 <= count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            position[0] = alphabet[Int(value >> 18)]
            position[1] = alphabet[Int(value >> 12 & 0x3F)]
            position[2] = alphabet[Int(value >> 6 & 0x3F)]
            position[3] = alphabet[Int(value & 0x3F)]
            position += 4
            index += 3
        }
        let rest = count - index
        if rest > 0 {
            let value = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            position[0] = alphabet[Int(value >> 18)]
            position[1] = alphabet[Int(value >> 12 & 0x3F)]
            position[2] = rest == 2 ? alphabet[Int(value >> 6 & 0x3F)] : UInt8(ascii: "=")
            position[3] = UInt8(ascii: "=")
            position += 4
        }
    }

    /// Bytes `base64` writes for `count` input bytes.
    static func base64Count(_ count: Int) -> Int { (count + 2) / 3 * 4 }
}
