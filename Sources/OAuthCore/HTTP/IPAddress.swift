import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as its network-order bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, most significant first.
    public let bytes: [UInt8]

    /// Parses the strict textual forms only (`inet_pton`): dotted-quad IPv4 and IPv6,
    /// optionally in brackets. Shorthands such as `127.1` or `2130706433` are not addresses
    /// here; they are names, which the transport resolves and then checks like any other.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, String(text), &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    /// An address from 4 or 16 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// True for an IPv4 address (4 bytes).
    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv6 address stands for, when it is IPv4-mapped (`::ffff:a.b.c.d`)
    /// or NAT64 (`64:ff9b::a.b.c.d`): both reach that IPv4 host, so both are checked as it.
    public var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
        let nat64: [UInt8] = [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        let prefix = Array(bytes[0..<12])
        guard prefix == mapped || prefix == nat64 else { return nil }
        return IPAddress(bytes: Array(bytes[12..<16]))
    }

    /// The address in its usual text form (`inet_ntop`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var copy = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        let text = copy.withUnsafeMutableBytes { raw in
            buffer.withUnsafeMutableBufferPointer { out in
                inet_ntop(family, raw.baseAddress, out.baseAddress, socklen_t(out.count))
            }
        }
        guard text != nil else { return bytes.map(String.init).joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `fc00::/7`); a bare address is a /32 or /128.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address, with the bits after the prefix cleared.
    public let network: IPAddress
    /// How many leading bits are fixed: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// Parses `ADDRESS/PREFIX` or a bare address. An IPv4-mapped IPv6 network
    /// (`::ffff:127.0.0.0/104`) is read as the IPv4 network it covers.
    public init(_ text: String) throws(CIDRError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let address = IPAddress(String(first)) else {
            throw CIDRError(text: text, reason: "expected an IP address with an optional /prefix, such as 10.0.0.0/8 or fc00::/7")
        }
        let width = address.bytes.count * 8
        var prefix = width
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(digits), value <= width else {
                throw CIDRError(text: text, reason: "the prefix must be a number from 0 to \(width)")
            }
            prefix = value
        }
        let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
        if let v4 = address.embeddedIPv4, Array(address.bytes.prefix(12)) == mappedPrefix, prefix >= 96 {
            self.init(masking: v4, prefixLength: prefix - 96)
        } else {
            self.init(masking: address, prefixLength: prefix)
        }
    }

    private init(masking address: IPAddress, prefixLength: Int) {
        network = IPAddress(bytes: Self.masked(address.bytes, prefixLength)) ?? address
        self.prefixLength = prefixLength
    }

    /// Whether `address` is in this network. An IPv4-mapped or NAT64 IPv6 address is in an
    /// IPv4 network when the IPv4 address it stands for is.
    public func contains(_ address: IPAddress) -> Bool {
        if address.bytes.count == network.bytes.count {
            return Self.masked(address.bytes, prefixLength) == network.bytes
        }
        if network.isIPv4, let v4 = address.embeddedIPv4 {
            return Self.masked(v4.bytes, prefixLength) == network.bytes
        }
        return false
    }

    public var description: String { "\(network)/\(prefixLength)" }

    private static func masked(_ bytes: [UInt8], _ prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsBefore = index * 8
            if prefixLength >= bitsBefore + 8 { return byte }
            if prefixLength <= bitsBefore { return 0 }
            return byte & ~(UInt8.max >> UInt8(prefixLength - bitsBefore))
        }
    }
}

/// A CIDR that cannot be parsed, and why.
public struct CIDRError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// What is wrong with it.
    public let reason: String
    public var description: String { "invalid network \"\(text)\": \(reason)" }
}
