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
        for byte in bytes {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
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

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
