import Crypto
import CryptoExtras
import Foundation

/// FHash: `crypto.createHash(algorithm).update(Data).digest(encoding)`.
struct FHash: ComponentRunner {
    static let algorithms = ["md5", "sha1", "sha256", "sha384", "sha512", "sha3-256", "sha3-384", "sha3-512"]
    let algorithm: String
    let encoding: ByteEncoding

    init(_ component: Component) throws {
        algorithm = component.data["algorithm"]?.stringValue?.lowercased() ?? "md5"
        encoding = ByteEncoding(rawValue: component.data["encoding"]?.stringValue ?? "hex") ?? .hex
    }

    static func digest(_ algorithm: String, _ bytes: [UInt8]) throws -> [UInt8] {
        switch algorithm {
        case "md5": return Array(Insecure.MD5.hash(data: bytes))
        case "sha1": return Array(Insecure.SHA1.hash(data: bytes))
        case "sha256": return Array(SHA256.hash(data: bytes))
        case "sha384": return Array(SHA384.hash(data: bytes))
        case "sha512": return Array(SHA512.hash(data: bytes))
        case "sha3-256": return Array(SHA3_256.hash(data: bytes))
        case "sha3-384": return Array(SHA3_384.hash(data: bytes))
        case "sha3-512": return Array(SHA3_512.hash(data: bytes))
        default: throw ComponentError(message: "Digest method not supported: \(algorithm)")
        }
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        let bytes = try NodeData.bytes(inputs["Data"], argument: "\"data\" argument", allowArrays: false)
        return ["Hash": .string(encoding.encode(try Self.digest(algorithm, bytes)))]
    }
}

/// FEncDec: `Buffer.from(Data).toString(encoding)` or `Buffer.from(Data, encoding).toString('utf8')`.
struct FEncDec: ComponentRunner {
    let decode: Bool
    let encoding: ByteEncoding

    init(_ component: Component) throws {
        decode = component.data["action"]?.stringValue == "Decode"
        encoding = ByteEncoding(rawValue: component.data["encoding"]?.stringValue ?? "hex") ?? .hex
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        if decode {
            guard case .string(let text)? = inputs["Data"] else {
                throw ComponentError(
                    message: "The first argument must be of type string. Received \(NodeData.describe(inputs["Data"]))")
            }
            return ["Output": .string(String(decoding: encoding.decode(text), as: UTF8.self))]
        }
        let bytes = try NodeData.bytes(inputs["Data"], argument: "first argument", allowArrays: true)
        return ["Output": .string(encoding.encode(bytes))]
    }
}

/// FSign: HMAC (`crypto.createHmac`) or RSA (`crypto.createSign('RSA-…')`) over Data, which
/// is JSON-stringified or query-stringified first when it is not a string.
struct FSign: ComponentRunner {
    static let hashTypes = ["md5", "sha1", "sha256", "sha512"]
    let rsa: Bool
    let hashType: String
    let encoding: ByteEncoding
    let transform: String
    let pss: Bool
    let keyTemplate: Template

    init(_ component: Component) throws {
        rsa = component.data["signMethod"]?.stringValue == "RSA"
        hashType = component.data["hashType"]?.stringValue?.lowercased() ?? "md5"
        encoding = ByteEncoding(rawValue: component.data["encoding"]?.stringValue ?? "hex") ?? .hex
        transform = component.data["dataTransform"]?.stringValue ?? "None"
        pss = component.data["RSA_padding"]?.stringValue == "RSA_PKCS1_PSS_PADDING"
        keyTemplate = try Template(component.data["key"]?.stringValue ?? "")
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        var data = inputs["Data"]
        if let value = data, value.stringValue == nil {
            switch transform {
            case "Stringify": data = .string(JSONWriter.string(value))
            case "Querystring": data = .string(QueryString.stringify(value))
            default: break
            }
        }
        let key: String
        switch inputs["Key"] {
        case .string(let text)? where !text.isEmpty: key = text
        case nil, .string?: key = try context.render(keyTemplate, .plain, inputs: inputs)
        case let other?:
            throw ComponentError(
                message:
                    "The \"key\" argument must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey. Received \(NodeData.describe(other))"
            )
        }
        // Node checks the key (createHmac) before the data (update).
        let message = try NodeData.bytes(data, argument: "\"data\" argument", allowArrays: false)
        let signature = rsa ? try rsaSign(message, key: key) : try hmac(message, key: Array(key.utf8))
        return ["Signature": .string(encoding.encode(signature))]
    }

    private func hmac(_ message: [UInt8], key: [UInt8]) throws -> [UInt8] {
        let symmetric = SymmetricKey(data: key)
        switch hashType {
        case "md5": return Array(HMAC<Insecure.MD5>.authenticationCode(for: message, using: symmetric))
        case "sha1": return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetric))
        case "sha256": return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetric))
        case "sha512": return Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetric))
        default: throw ComponentError(message: "Invalid digest: \(hashType)")
        }
    }

    private func rsaSign(_ message: [UInt8], key pem: String) throws -> [UInt8] {
        let key: _RSA.Signing.PrivateKey
        do { key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) } catch {
            throw ComponentError(message: "the RSA key is not a PEM private key of 1024 bits or more")
        }
        let padding: _RSA.Signing.Padding = pss ? .PSS : .insecurePKCS1v1_5
        switch hashType {
        case "sha1":
            return Array(try key.signature(for: Insecure.SHA1.hash(data: message), padding: padding).rawRepresentation)
        case "sha256":
            return Array(try key.signature(for: SHA256.hash(data: message), padding: padding).rawRepresentation)
        case "sha512":
            return Array(try key.signature(for: SHA512.hash(data: message), padding: padding).rawRepresentation)
        default:
            throw ComponentError(message: "RSA-\(hashType.uppercased()) is not supported (use sha1, sha256 or sha512)")
        }
    }
}

/// Node's `querystring.stringify`: arrays repeat the key, objects and null become empty.
enum QueryString {
    static func stringify(_ value: JSONValue) -> String {
        guard case .object(let object) = value else { return "" }
        var pairs: [String] = []
        for (key, member) in object {
            switch member {
            case .array(let values): pairs += values.map { "\(escape(key))=\(escape(scalar($0)))" }
            default: pairs.append("\(escape(key))=\(escape(scalar(member)))")
            }
        }
        return pairs.joined(separator: "&")
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return JSONWriter.number(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return ""
        }
    }

    /// `querystring.escape`: like encodeURIComponent, keeping `!'()*`.
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"),
                UInt8(ascii: "*"),
                UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
