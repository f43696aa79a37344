import OAuthCore
import Testing

/// CIDR parsing and the address policy of `keyflow serve` (finding 15), without a network.
struct AddressPolicyTests {
    static func address(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"), ("10.1.2.3/8", "10.0.0.0/8"), ("127.0.0.1", "127.0.0.1/32"),
        ("fc00::/7", "fc00::/7"), ("fe80::1/10", "fe80::/10"), ("::1", "::1/128"),
        ("::ffff:127.0.0.0/104", "127.0.0.0/8"), (" 192.168.0.0/16 ", "192.168.0.0/16"), ("0.0.0.0/0", "0.0.0.0/0"),
    ])
    func cidrsParseAndNormalize(text: String, expected: String) throws {
        #expect(try CIDR(text).description == expected)
    }

    @Test(arguments: [
        "", "10.0.0.0/33", "::/129", "10.0.0/8", "127.1", "2130706433", "10.0.0.0/-1", "10.0.0.0/", "example.com/8",
        "10.0.0.0/8/8", "10.0.0.0/0x8",
    ])
    func badCIDRsAreErrors(text: String) {
        #expect(throws: CIDRError.self) { try CIDR(text) }
    }

    @Test func containmentCoversIPv4IPv6AndMappedForms() throws {
        let loopback = try CIDR("127.0.0.0/8")
        #expect(loopback.contains(try Self.address("127.0.0.1")))
        #expect(loopback.contains(try Self.address("127.255.255.254")))
        #expect(!loopback.contains(try Self.address("128.0.0.1")))
        // IPv4-mapped and NAT64 IPv6 addresses reach the IPv4 host: they are in its network.
        #expect(loopback.contains(try Self.address("::ffff:127.0.0.1")))
        #expect(loopback.contains(try Self.address("[::ffff:7f00:1]")))
        #expect(loopback.contains(try Self.address("64:ff9b::127.0.0.1")))
        #expect(!loopback.contains(try Self.address("::1")))
        let unique = try CIDR("fc00::/7")
        #expect(try unique.contains(try Self.address("fd12:3456::1")) && !unique.contains(try Self.address("fe00::1")))
        #expect(try CIDR("172.16.0.0/12").contains(try Self.address("172.31.255.255")))
        #expect(!(try CIDR("172.16.0.0/12").contains(try Self.address("172.32.0.0"))))
    }

    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "0.1.2.3", "255.255.255.255", "224.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254",
        "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "::127.0.0.1", "ff02::1",
    ])
    func theServersPolicyRefusesInternalAddresses(text: String) throws {
        #expect(!AddressPolicy.publicOnly().permits(try Self.address(text)))
        #expect(AddressPolicy.allowAll.permits(try Self.address(text)))
    }

    @Test(arguments: ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])
    func publicAddressesPass(text: String) throws {
        #expect(AddressPolicy.publicOnly().permits(try Self.address(text)))
    }

    @Test func allowedNetworksOpenOnlyThemselves() throws {
        let networks = try AddressPolicy.networks(flags: ["127.0.0.0/8"], environment: " 10.1.0.0/16, fd00::/8 ,")
        #expect(networks.map(\.description) == ["127.0.0.0/8", "10.1.0.0/16", "fd00::/8"])
        let policy = AddressPolicy.publicOnly(allowing: networks)
        #expect(
            try policy.permits(try Self.address("127.0.0.1")) && policy.permits(try Self.address("::ffff:127.0.0.1")))
        #expect(try policy.permits(try Self.address("10.1.200.3")) && policy.permits(try Self.address("fd00::5")))
        #expect(
            try !policy.permits(try Self.address("10.2.0.1")) && !policy.permits(try Self.address("169.254.169.254")))
        #expect(!policy.permits(try Self.address("::1")))
        #expect(throws: CIDRError.self) { try AddressPolicy.networks(flags: ["nope"], environment: nil) }
    }
}
