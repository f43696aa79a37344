/// RFC 3986 percent-encoding as OAuth 1.0a (RFC 5849 section 3.6) requires it: every byte
/// outside the unreserved set `ALPHA / DIGIT / "-" / "." / "_" / "~"` becomes `%XX` with
/// upper-case hex. It works on UTF-8 bytes so that signing never depends on how a string is
/// normalised or which characters a URL library thinks are "safe".
public enum PercentEncoding {
    /// Encodes `string`'s UTF-8 bytes. Returns the string itself when nothing needs encoding.
    public static func encode(_ string: String) -> String {
        let utf8 = string.utf8
        if utf8.allSatisfy(isUnreserved) { return string }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count * 3)
        append(utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the encoding of `bytes` to `out`; the building block of the signature base
    /// string, which is assembled in one buffer without intermediate strings.
    @inlinable
    public static func append<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        // Strings and arrays hand over their bytes as one buffer; walking a String.UTF8View
        // index by index cost more than the encoding itself.
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in appendBuffer(buffer, to: &out) }
        if done != nil { return }
        appending(to: &out, atMost: bytes.count * 3) { target in
            var written = 0
            for byte in bytes { written += put(byte, at: target + written) }
            return written
        }
    }

    @inlinable
    static func appendBuffer(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        appending(to: &out, atMost: bytes.count * 3) { target in
            var written = 0
            for byte in bytes { written += put(byte, at: target + written) }
            return written
        }
    }

    /// Writes one byte encoded at `target`; returns how many bytes it took (1 or 3).
    @inlinable @inline(__always)
    static func put(_ byte: UInt8, at target: UnsafeMutablePointer<UInt8>) -> Int {
        if isUnreserved(byte) {
            target.pointee = byte
            return 1
        }
        target[0] = UInt8(ascii: "%")
        target[1] = upperHex(byte >> 4)
        target[2] = upperHex(byte & 0x0F)
        return 3
    }

    @inlinable @inline(__always)
    static func upperHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") - 10 + nibble
    }

    /// Grows `out` by at most `maximum` bytes written through a pointer, then trims it to what
    /// `write` says it wrote. Appending byte by byte checked the array's uniqueness and
    /// capacity for every byte, which made percent-encoding the bulk of signing.
    @inlinable
    static func appending(to out: inout [UInt8], atMost maximum: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        guard maximum > 0 else { return }
        let start = out.count
        // Room is made by copying zeros (a memcpy); appending `repeatElement` wrote them one
        // element at a time, which cost as much as the encoding.
        if maximum <= zeros.count {
            zeros.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<maximum])) }
        } else {
            out.append(contentsOf: repeatElement(0, count: maximum))
        }
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return write(base + start)
        }
        out.removeLast(maximum - written)
    }

    /// Appends the encoding of the form-decoded `raw` bytes (`%XX` and `+` decoded, as
    /// `decode(_:plusAsSpace: true)` does) without building the decoded bytes first.
    @inlinable
    public static func appendReencoded<C: Collection>(_ raw: C, to out: inout [UInt8]) where C.Element == UInt8 {
        appending(to: &out, atMost: raw.count * 3) { target in
            var written = 0
            var index = raw.startIndex
            while index != raw.endIndex {
                var byte = raw[index]
                index = raw.index(after: index)
                if byte == UInt8(ascii: "%") {
                    let second = index != raw.endIndex ? raw.index(after: index) : index
                    if second != raw.endIndex, let high = hexValue(raw[index]), let low = hexValue(raw[second]) {
                        byte = high << 4 | low
                        index = raw.index(after: second)
                    }
                } else if byte == UInt8(ascii: "+") {
                    byte = UInt8(ascii: " ")
                }
                written += put(byte, at: target + written)
            }
            return written
        }
    }

    /// Percent-encodes the bytes and returns them as a new byte array.
    @inlinable
    public static func encodeBytes<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 8)
        append(bytes, to: &out)
        return out
    }

    /// True for the RFC 3986 unreserved characters.
    @inlinable
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    @usableFromInline
    static let zeros = [UInt8](repeating: 0, count: 4096)

    @usableFromInline
    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    static let lowerHexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Decodes `%XX` sequences into bytes. A `%` not followed by two hex digits is kept
    /// literally, as browsers and most servers do. With `plusAsSpace` a `+` becomes a space,
    /// which is what `application/x-www-form-urlencoded` (and so URL queries) mean by it.
    public static func decode<C: Collection>(_ bytes: C, plusAsSpace: Bool) -> [UInt8] where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                if first != bytes.endIndex {
                    let second = bytes.index(after: first)
                    if second != bytes.endIndex, let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) {
                        out.append(high << 4 | low)
                        index = bytes.index(after: second)
                        continue
                    }
                }
                out.append(byte)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(byte)
            }
            index = bytes.index(after: index)
        }
        return out
    }

    @usableFromInline
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
