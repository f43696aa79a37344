import OAuthCore

/// Where a request goes is the agent's choice, not its input's. SmythOS substitutes values
/// into an APICall URL as plain text, so an input can pick the host
/// (`http://{{tenant}}.api.example`, `http://api.example{{path}}` with `@evil.example`) or
/// climb the path (`../admin`), taking the connection's token or `{{KEY()}}` values with it.
/// Keyflow's rules:
/// - a placeholder before the path (scheme, host, port: anywhere before the first `/` or `?`
///   after `scheme://`, or a URL that starts with one) needs `data.allowedHosts`, and the
///   rendered host is checked against that list;
/// - a value in the path may hold `/` but no dot-segment (`.`, `..`, percent-encoded or not)
///   and none of `?`, `#`, `\`, `@` (nor their percent-encoded forms);
/// - values in the query are percent-encoded, as before.
public enum URLTemplateRules {
    /// The placeholders of `template` (rendered in `.url` context) that come before the path
    /// starts, i.e. that can choose the scheme, host or port.
    public static func originPlaceholders(_ template: Template) -> [String] {
        var constant = ""
        var startsWithPlaceholder = false
        var found: [String] = []
        for part in template.parts {
            switch part {
            case .text(let text): constant += text
            case .value(_, let placeholder), .key(_, let placeholder):
                // Only the agent's own text counts: a value cannot move the boundary. A URL
                // that starts with a placeholder (`{{base}}/v1/{{id}}`) takes its origin from
                // that value, so the agent's first `/` or `?` after it starts the path.
                let reached =
                    Template.hasReachedPath(constant)
                    || (startsWithPlaceholder && !constant.contains("://")
                        && constant.contains(where: { $0 == "/" || $0 == "?" }))
                if !reached { found.append(placeholder) }
                if found.count == 1 && constant.isEmpty { startsWithPlaceholder = true }
            }
        }
        return found
    }

    /// Why `value` may not be inserted into a URL path, or nil when it may. The value is
    /// checked as given and after each of up to three rounds of percent-decoding, so that
    /// `%2e%2E` or `%252e` cannot turn into `..` at a server that decodes once more.
    public static func pathValueProblem(_ value: String) -> String? {
        var bytes = Array(value.utf8)
        for _ in 0..<4 {
            if let problem = problem(inDecoded: bytes) { return problem }
            let decoded = PercentEncoding.decode(bytes, plusAsSpace: false)
            if decoded == bytes { break }
            bytes = decoded
        }
        return nil
    }

    private static func problem(inDecoded bytes: [UInt8]) -> String? {
        for (character, name) in [
            (UInt8(ascii: "?"), "?"), (UInt8(ascii: "#"), "#"), (UInt8(ascii: "\\"), "\\"), (UInt8(ascii: "@"), "@"),
        ]
        where bytes.contains(character) {
            return "it contains \(name), which would change the URL beyond its path"
        }
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        where segment.elementsEqual([UInt8(ascii: ".")])
            || segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
        {
            return
                "it contains the path segment \(String(decoding: segment, as: UTF8.self)), which would move the request to another path"
        }
        return nil
    }

    /// True when the percent-decoded `path` has a `.` or `..` segment.
    public static func hasDotSegment(_ path: String) -> Bool {
        var bytes = Array(path.utf8)
        for _ in 0..<4 {
            let segments = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            if segments.contains(where: {
                $0.elementsEqual([UInt8(ascii: ".")]) || $0.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
            }) {
                return true
            }
            let decoded = PercentEncoding.decode(bytes, plusAsSpace: false)
            if decoded == bytes { break }
            bytes = decoded
        }
        return false
    }
}

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

/// An `allowedHosts` entry that is not a host name with an optional port.
public struct AllowedHostsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry as written.
    public let entry: String
    public var description: String { "allowedHosts: \"\(entry)\" is not a host name with an optional :port" }
}
