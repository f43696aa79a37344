import Foundation

/// A host name and port this server answers to, with the scheme it is reached by, as used
/// by the Host and Origin checks. Names are compared in lower case; a missing port in a
/// request means the scheme's default.
struct Authority: Sendable, Equatable {
    var scheme: String
    var host: String
    /// nil: any port (a server bound to port 0).
    var port: Int?

    static func defaultPort(of scheme: String) -> Int? {
        switch scheme {
        case "http": return 80
        case "https": return 443
        default: return nil
        }
    }

    /// Splits `name[:port]` (IPv6 literals in brackets) into a lower-case name and a port.
    /// nil for anything else: empty, a bad port, user info, a path.
    static func split(_ text: Substring) -> (host: String, port: Int?)? {
        let name: Substring
        let rest: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            name = text[...close]
            rest = text[text.index(after: close)...]
        } else if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            rest = text[colon...]
        } else {
            name = text
            rest = ""
        }
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isHostCharacter) else { return nil }
        var port: Int?
        if !rest.isEmpty {
            let digits = rest.dropFirst()
            // At most five digits, so the conversion can't overflow.
            guard rest.first == ":", (1...5).contains(digits.count), digits.allSatisfy(\.isASCII),
                digits.allSatisfy(\.isNumber),
                let value = Int(digits), value <= 65535
            else { return nil }
            port = value
        }
        return (name.lowercased(), port)
    }

    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_", "[", "]", ":": return true
        default: return false
        }
    }

    /// Whether a request's Host value (`name[:port]`, scheme unknown) names this authority.
    func matches(host other: String, port otherPort: Int?) -> Bool {
        guard other == host else { return false }
        guard let port else { return true }
        return (otherPort ?? Self.defaultPort(of: scheme)) == port
    }

    /// Whether a browser's `Origin` (`scheme://name[:port]`) is this authority.
    func matches(origin: String) -> Bool {
        let lowered = origin.lowercased()
        guard let separator = lowered.range(of: "://") else { return false }
        let originScheme = String(lowered[..<separator.lowerBound])
        guard originScheme == scheme, let (name, originPort) = Self.split(lowered[separator.upperBound...]) else {
            return false
        }
        return matches(host: name, port: originPort ?? Self.defaultPort(of: originScheme))
    }
}
