/// Where `/metrics` is served: `HOST:PORT` (`[::1]:PORT` for IPv6), separately from the
/// public listener because it spans every team. Only loopback unless remote is allowed.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address to bind.
    public var host: String
    /// The port to bind.
    public var port: Int

    /// The default: Prometheus' registered port for exporters' neighbours, on loopback.
    public static let standard = MetricsAddress(host: "127.0.0.1", port: 9464)

    /// An address as given.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPv6]:PORT`; nil when it is neither.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else { return nil }
        self.init(host: host, port: port)
    }

    /// Whether the host is a loopback name or address: `localhost`, 127.0.0.0/8 or ::1.
    public var isLoopback: Bool {
        if host.lowercased() == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `HOST:PORT`, IPv6 in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
