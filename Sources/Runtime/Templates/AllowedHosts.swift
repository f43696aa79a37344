import OAuthCore

/// The hosts an APICall may reach when its URL's origin is templated: `data.allowedHosts`,
/// an array or a comma-separated string of `host` or `host:port` entries.
public struct AllowedHosts: Sendable, Equatable {
    /// One entry: a lower-cased host (IPv6 in brackets) and the port it names, if any.
    public struct Entry: Sendable, Equatable {
        /// The host, lower-cased (IPv6 in brackets).
        public let host: String
        /// The port the entry names, or nil for the scheme's default.
        public let port: Int?
    }

    /// The entries, in the order given.
    public let entries: [Entry]

    /// Reads `data.allowedHosts`; nil when the setting is absent or empty. Throws a message
    /// naming the first entry that is not a host name with an optional port.
    public init?(_ value: JSONValue?) throws(AllowedHostsError) {
        let texts: [String]
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: texts = text.split(separator: ",").map { String($0) }
        case .array(let values)?:
            texts = try values.map { value throws(AllowedHostsError) in
                guard case .string(let text) = value else { throw AllowedHostsError(entry: Template.text(of: value)) }
                return text
            }
        case let other?: throw AllowedHostsError(entry: Template.text(of: other))
        }
        var entries: [Entry] = []
        for raw in texts {
            let text = raw.trimmingSpaces
            if text.isEmpty { continue }
            guard let entry = Self.entry(text) else { throw AllowedHostsError(entry: text) }
            entries.append(entry)
        }
        if entries.isEmpty { return nil }
        self.entries = entries
    }

    /// Parses `host` or `host:port` (a bare name: letters, digits, `-`, `.`, or an IPv6 literal
    /// in brackets), by way of `RequestURL` so that it matches what a request's URL parses to.
    static func entry(_ text: String) -> Entry? {
        let allowed = text.utf8.allSatisfy { byte in
            PercentEncoding.isUnreserved(byte) && byte != UInt8(ascii: "~") && byte != UInt8(ascii: "_")
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
        }
        guard allowed, let parsed = try? RequestURL("http://" + text + "/") else { return nil }
        let hasPort = text.hasPrefix("[") ? text.contains("]:") : text.contains(":")
        // RequestURL drops a default port; here 80 is as much a port as any.
        let port: Int? = hasPort ? (parsed.port ?? 80) : nil
        return Entry(host: parsed.host, port: port)
    }

    /// True when `url`'s host, and its port where the entry names one, is listed. An entry
    /// without a port allows only the scheme's default port.
    public func allows(_ url: RequestURL) -> Bool {
        let port = url.port ?? (url.scheme == "https" ? 443 : 80)
        return entries.contains { entry in
            entry.host == url.host && (entry.port.map { $0 == port } ?? (url.port == nil))
        }
    }

    /// The entries as the agent would write them, for messages.
    public var description: String {
        entries.map { entry in entry.port.map { "\(entry.host):\($0)" } ?? entry.host }.joined(separator: ", ")
    }
}
