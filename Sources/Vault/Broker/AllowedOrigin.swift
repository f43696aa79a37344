import Foundation
import OAuthCore

/// One entry of a connection's allowed hosts, read as the origin (scheme, host pattern, port)
/// a credential may be sent to.
///
/// - `api.example.com`, `*.example.com`: https on port 443 only. Entries stored before
///   origins were bound have this form, so they keep working as https:443 entries.
/// - `api.example.com:8443`, `https://api.example.com:8443`: https on that port.
/// - `http://127.0.0.1:8080`, `http://localhost:9000`, `http://[::1]`: plain http, allowed
///   only for loopback hosts and only when the entry says `http://` itself (port 80 if none).
public struct AllowedOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `https`, or `http` for a loopback host.
    public let scheme: String
    /// A host pattern as `HostPattern` reads it (lower-cased, maybe `*.`-prefixed).
    public let host: String
    /// The port, always explicit.
    public let port: Int

    /// Parses an allowed-hosts entry; nil when it is not one (the reason is in `problem(with:)`).
    public init?(_ entry: String) {
        guard case .success(let origin) = Self.parse(entry) else { return nil }
        self = origin
    }

    /// The origin of a URL a connection is configured with, when a credential may follow it
    /// there: any https URL, and http only on a loopback host.
    public init?(of url: RequestURL) {
        guard url.scheme == "https" || (url.scheme == "http" && Self.isLoopback(url.host)) else { return nil }
        self.init(scheme: url.scheme, host: url.host, port: url.port ?? Self.defaultPort(url.scheme))
    }

    private init(scheme: String, host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Why `entry` is not a valid allowed-hosts entry, or nil when it is.
    public static func problem(with entry: String) -> String? {
        if case .failure(let reason) = parse(entry) { return reason }
        return nil
    }

    /// Whether a request to `url` may carry the credential.
    public func allows(_ url: RequestURL) -> Bool {
        url.scheme == scheme && (url.port ?? Self.defaultPort(url.scheme)) == port
            && HostPattern.matches(host, host: url.host)
    }

    /// The entry in its shortest form: `host` for https:443, `host:port` for https, and
    /// `http://host:port` for loopback http.
    public var description: String {
        if scheme == "http" { return "http://\(host):\(port)" }
        return port == 443 ? host : "\(host):\(port)"
    }

    /// Whether `host` (as in a URL, IPv6 in brackets) is a loopback name or address.
    public static func isLoopback(_ host: String) -> Bool {
        let host = ASCII.lowercased(host)
        if host == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy {
                $0.count <= 3 && !$0.isEmpty && $0.allSatisfy(\.isASCIIDigitCharacter) && (Int($0) ?? 256) <= 255
            }
    }

    static func defaultPort(_ scheme: String) -> Int { scheme == "http" ? 80 : 443 }

    private enum Parsed {
        case success(AllowedOrigin)
        case failure(String)
    }

    private static func parse(_ entry: String) -> Parsed {
        var rest = Substring(ASCII.lowercased(entry.trimmingCharacters(in: .whitespaces)))
        var scheme = "https"
        var explicitScheme = false
        if let range = rest.range(of: "://") {
            scheme = String(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
            explicitScheme = true
            guard scheme == "https" || scheme == "http" else {
                return .failure("the scheme must be https (or http for loopback)")
            }
        }
        // `https://api.example.com/` is a common way to write an origin.
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#"), !rest.contains("@") else {
            return .failure(
                "expected an origin such as api.example.com, api.example.com:8443 or http://127.0.0.1:8080, without a path"
            )
        }
        var host = rest
        var port: Int?
        let portSeparator: Substring.Index?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure("the IPv6 host has no closing ]") }
            host = rest[...close]
            let after = rest.index(after: close)
            if after < rest.endIndex {
                guard rest[after] == ":" else { return .failure("unexpected characters after the IPv6 host") }
                portSeparator = after
            } else {
                portSeparator = nil
            }
        } else {
            portSeparator = rest.firstIndex(of: ":")
            if let separator = portSeparator { host = rest[..<separator] }
        }
        if let separator = portSeparator {
            let digits = rest[rest.index(after: separator)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCIIDigitCharacter),
                let value = Int(digits), value >= 1, value <= 65535
            else {
                return .failure("the port must be a number from 1 to 65535")
            }
            port = value
        }
        let hostText = String(host)
        guard HostPattern.isValid(hostText) else {
            return .failure("expected a host name such as api.example.com or *.example.com")
        }
        if scheme == "http" {
            guard explicitScheme, isLoopback(hostText) else {
                return .failure("http:// is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https")
            }
        }
        return .success(AllowedOrigin(scheme: scheme, host: hostText, port: port ?? defaultPort(scheme)))
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
