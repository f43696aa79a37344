import Foundation
import OAuthCore

/// Node's Buffer encodings as FHash, FEncDec and FSign offer them: hex, base64, base64url,
/// latin1 (and utf8 for signatures), with Node's leniency when decoding.
enum ByteEncoding: String, CaseIterable {
    case hex, base64, base64url, latin1, utf8

    func encode(_ bytes: [UInt8]) -> String {
        switch self {
        case .hex: return bytes.map { String(format: "%02x", $0) }.joined()
        case .base64: return Data(bytes).base64EncodedString()
        case .base64url: return Base64URL.encode(bytes)
        case .latin1: return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .utf8: return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// `Buffer.from(text, encoding)`: hex stops at the first bad pair, base64 accepts both
    /// alphabets and missing padding, latin1 keeps the low byte of each UTF-16 unit.
    func decode(_ text: String) -> [UInt8] {
        switch self {
        case .hex:
            var bytes: [UInt8] = []
            let digits = Array(text.utf8)
            var index = 0
            while index + 1 < digits.count, let high = Self.hexValue(digits[index]),
                let low = Self.hexValue(digits[index + 1])
            {
                bytes.append(high << 4 | low)
                index += 2
            }
            return bytes
        case .base64, .base64url:
            var clean = String(
                text.unicodeScalars.compactMap { scalar -> Character? in
                    switch scalar {
                    case "-": return "+"
                    case "_": return "/"
                    case "A"..."Z", "a"..."z", "0"..."9", "+", "/": return Character(scalar)
                    default: return nil
                    }
                })
            if clean.count % 4 == 1 { clean.removeLast() }
            while clean.count % 4 != 0 { clean += "=" }
            return Array(Data(base64Encoded: clean) ?? Data())
        case .latin1: return text.utf16.map { UInt8(truncatingIfNeeded: $0) }
        case .utf8: return Array(text.utf8)
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Node's rule for what may be hashed or encoded: strings (as UTF-8) and byte arrays.
enum NodeData {
    static func bytes(_ value: JSONValue?, argument: String, allowArrays: Bool) throws -> [UInt8] {
        switch value {
        case .string(let text)?: return Array(text.utf8)
        case .array(let values)? where allowArrays:
            return values.map { toUint8($0.numberValue ?? 0) }
        default:
            throw ComponentError(
                message:
                    "The \(argument) must be of type string or an instance of Buffer, TypedArray, or DataView. Received \(describe(value))"
            )
        }
    }

    /// JavaScript's ToUint8, as `Buffer.from([...])` applies it: NaN and ±Infinity are 0,
    /// anything else is truncated and taken modulo 256 (`Int(1e308)` would trap).
    static func toUint8(_ number: Double) -> UInt8 {
        guard number.isFinite else { return 0 }
        var remainder = number.rounded(.towardZero).truncatingRemainder(dividingBy: 256)
        if remainder < 0 { remainder += 256 }
        return UInt8(remainder)
    }

    static func describe(_ value: JSONValue?) -> String {
        switch value {
        case nil: return "undefined"
        case .null?: return "null"
        case .number(let number)?: return "type number (\(JSONWriter.number(number)))"
        case .bool(let flag)?: return "type boolean (\(flag))"
        case .array?: return "an instance of Array"
        case .object?: return "an instance of Object"
        case .string?: return "type string"
        }
    }
}
