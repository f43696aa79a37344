import Foundation

/// Which IP addresses an outbound request may connect to. `keyflow serve` refuses loopback,
/// private, link-local and other internal ranges (an agent of any team must not reach the
/// server's own API, cloud metadata or the office network) except networks the operator
/// allows; the CLI, which runs as the local user, allows everything.
public struct AddressPolicy: Sendable, Equatable {
    /// Networks refused unless `allowed` contains the address.
    public let refused: [CIDR]
    /// Networks allowed even when `refused` contains them (`--allow-network`).
    public let allowed: [CIDR]

    /// No check at all: the CLI's `run` and `demo`, and the vault commands.
    public static let allowAll = AddressPolicy(refused: [], allowed: [])

    /// Refuses the internal ranges, except the networks in `allowing`.
    public static func publicOnly(allowing: [CIDR] = []) -> AddressPolicy {
        AddressPolicy(refused: internalNetworks, allowed: allowing)
    }

    /// Loopback, private, shared, link-local, multicast, reserved and unspecified ranges,
    /// IPv4 and IPv6. IPv4-mapped and NAT64 IPv6 addresses are checked as their IPv4 address.
    public static let internalNetworks: [CIDR] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/96", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    ].compactMap { try? CIDR($0) }

    /// A policy that refuses `refused` except the networks in `allowed`.
    public init(refused: [CIDR], allowed: [CIDR]) {
        self.refused = refused
        self.allowed = allowed
    }

    /// The loopback networks, which `allowingLoopback` lets through.
    public static let loopbackNetworks: [CIDR] = ["127.0.0.0/8", "::1/128"].compactMap { try? CIDR($0) }

    /// This policy with loopback addresses allowed as well (and nothing else).
    public var allowingLoopback: AddressPolicy {
        AddressPolicy(refused: refused, allowed: allowed + Self.loopbackNetworks)
    }

    /// True when no address is ever refused, so the transport need not resolve names itself.
    public var allowsEverything: Bool { refused.isEmpty }

    /// Whether a connection to `address` is allowed.
    public func permits(_ address: IPAddress) -> Bool {
        if allowed.contains(where: { $0.contains(address) }) { return true }
        return !refused.contains { $0.contains(address) }
    }

    /// The networks of `--allow-network` flags and of `KEYFLOW_ALLOW_NETWORK` (comma-separated).
    public static func networks(flags: [String], environment: String?) throws(CIDRError) -> [CIDR] {
        let fromEnvironment = (environment ?? "").split(separator: ",").map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        var networks: [CIDR] = []
        for text in flags + fromEnvironment { networks.append(try CIDR(text)) }
        return networks
    }
}
