import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
            throw CIDRError(
                text: text, reason: "expected an IP address with an optional /prefix, such as 10.0.0.0/8 or fc00::/7")
        }
        let width = address.bytes.count * 8
        var prefix = width
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(digits), value <= width
            else {
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
