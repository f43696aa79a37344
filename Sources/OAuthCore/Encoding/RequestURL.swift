/// An `http(s)` URL split into the parts OAuth 1.0a signs, in the form it goes on the wire.
///
/// Parsing is done by hand, not by Foundation's URL, because the signature must be computed
/// over exactly the bytes that are sent: the path keeps its percent-encoding as given, raw
/// characters that cannot appear in a request line (spaces, non-ASCII) are percent-encoded
/// once, here, and the same canonical string is then used both to sign and to send.
public struct RequestURL: Sendable, Hashable, CustomStringConvertible {
    /// Lower-cased scheme, `http` or `https`.
    public let scheme: String
    /// Lower-cased host; IPv6 literals keep their brackets.
    public let host: String
    /// The port when it is given and not the scheme's default.
    public let port: Int?
    /// The percent-encoded path, `/` when the URL has none.
    public let path: String
    /// The raw query without `?`, or nil when there is none.
    public let query: String?

    /// Parses an absolute `http` or `https` URL.
    public init(_ string: String) throws(InvalidURLError) {
        // Parsed in place from the string's own UTF-8 buffer: copying it into an array first
        // (and making arrays of the literals it is compared with) was most of the time of
        // parsing a URL on every signed request.
        var text = string
        let parsed = text.withUTF8 { Self.parse($0, string: string) }
        switch parsed {
        case .success(let parts):
            self.init(scheme: parts.scheme, host: parts.host, port: parts.port, path: parts.path, query: parts.query)
        case .failure(let error):
            throw error
        }
    }

    private typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    private static func parse(_ whole: UnsafeBufferPointer<UInt8>, string: String)
        -> Result<(scheme: String, host: String, port: Int?, path: String, query: String?), InvalidURLError>
    {
        let bytes = whole[...]
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            colon + 3 <= bytes.endIndex, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else {
            return .failure(
                InvalidURLError(url: string, reason: "it is not an absolute URL (expected http:// or https://)"))
        }
        let scheme = ASCII.lowercased(String(decoding: UnsafeBufferPointer(rebasing: bytes[..<colon]), as: UTF8.self))
        guard scheme == "http" || scheme == "https" else {
            return .failure(InvalidURLError(url: string, reason: "the scheme \(scheme) is not http or https"))
        }
        let authorityStart = colon + 3
        let authorityEnd =
            bytes[authorityStart...].firstIndex {
                $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
            } ?? bytes.endIndex
        var authority = bytes[authorityStart..<authorityEnd]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            authority = authority[authority.index(after: at)...]  // user info is never signed or sent
        }
        var hostBytes = authority
        var port: Int? = nil
        let portSeparator: Int?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                return .failure(InvalidURLError(url: string, reason: "the IPv6 host has no closing ]"))
            }
            hostBytes = authority[authority.startIndex...close]
            portSeparator = authority.index(after: close) < authority.endIndex ? authority.index(after: close) : nil
            if let separator = portSeparator, authority[separator] != UInt8(ascii: ":") {
                return .failure(InvalidURLError(url: string, reason: "unexpected characters after the IPv6 host"))
            }
        } else {
            portSeparator = authority.firstIndex(of: UInt8(ascii: ":"))
            if let separator = portSeparator { hostBytes = authority[authority.startIndex..<separator] }
        }
        if let separator = portSeparator {
            let digits = authority[authority.index(after: separator)...]
            if !digits.isEmpty {
                guard digits.count <= 5, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                else {
                    return .failure(InvalidURLError(url: string, reason: "the port is not a number from 0 to 65535"))
                }
                let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                guard value <= 65535 else {
                    return .failure(InvalidURLError(url: string, reason: "the port is not a number from 0 to 65535"))
                }
                port = value
            }
        }
        guard !hostBytes.isEmpty else { return .failure(InvalidURLError(url: string, reason: "it has no host")) }
        if port == (scheme == "https" ? 443 : 80) { port = nil }

        let rest = bytes[authorityEnd...]
        let withoutFragment = rest[..<(rest.firstIndex(of: UInt8(ascii: "#")) ?? rest.endIndex)]
        let questionMark = withoutFragment.firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = withoutFragment[..<(questionMark ?? withoutFragment.endIndex)]

        let host = ASCII.lowercased(String(decoding: UnsafeBufferPointer(rebasing: hostBytes), as: UTF8.self))
        let path = pathBytes.isEmpty ? "/" : canonical(pathBytes)
        let query = questionMark.map { canonical(withoutFragment[withoutFragment.index(after: $0)...]) }
        return .success((scheme, host, port, path, query))
    }

    /// `scheme://host[:port]`, the origin a credential is bound to.
    public var origin: String {
        port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    /// The base string URI of RFC 5849 section 3.4.1.2: no query, no default port.
    public var baseStringURI: String { origin + path }

    /// The URL as it is sent.
    public var description: String {
        query.map { "\(baseStringURI)?\($0)" } ?? baseStringURI
    }

    /// The same URL with `query` replacing the query (nil removes it).
    public func replacingQuery(_ query: String?) -> RequestURL {
        RequestURL(scheme: scheme, host: host, port: port, path: path, query: query)
    }

    private init(scheme: String, host: String, port: Int?, path: String, query: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query
    }

    /// Percent-encodes bytes that may not appear raw in a request target (controls, space,
    /// quotes, angle and square brackets and the like, and all non-ASCII bytes); existing
    /// escapes stay.
    private static func canonical(_ bytes: Bytes) -> String {
        guard bytes.contains(where: needsEscaping) else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 16)
        for byte in bytes {
            if needsEscaping(byte) {
                out.append(UInt8(ascii: "%"))
                out.append(PercentEncoding.hexDigits[Int(byte >> 4)])
                out.append(PercentEncoding.hexDigits[Int(byte & 0x0F)])
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func needsEscaping(_ byte: UInt8) -> Bool {
        switch byte {
        case 0...0x20, 0x7F...0xFF: return true
        case UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"),
            UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
            UInt8(ascii: "["), UInt8(ascii: "]"):  // RFC 3986 allows brackets only around IPv6 hosts
            return true
        default: return false
        }
    }
}
