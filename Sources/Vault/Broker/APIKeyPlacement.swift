import OAuthCore

/// Where an API-key connection puts its key on a request: a header (with a prefix before the
/// key, `Bearer ` for `Authorization`) or a query parameter.
public enum APIKeyPlacement: Sendable, Equatable {
    /// `name: prefix key`.
    case header(name: String, prefix: String)
    /// `?name=key`, replacing a parameter of that name the request already has.
    case query(name: String)

    /// The header a key goes in when none is named.
    public static let defaultHeader = "Authorization"

    /// Headers that describe the message or the connection rather than authorize it: a key
    /// sent in one of them would break the request or smuggle another.
    static let reservedHeaders: Set<String> = [
        "host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
        "trailer", "expect", "proxy-authorization", "proxy-connection",
    ]

    /// Why `name` cannot carry a key, nil when it can: it must be an RFC 9110 token and not a
    /// header of the message framing.
    public static func problem(headerName name: String) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)
        guard
            name.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || tokenPunctuation.contains(byte)
            })
        else { return "\"\(name)\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)" }
        if reservedHeaders.contains(ASCII.lowercased(name)) { return "\(name) cannot carry a key" }
        return nil
    }

    /// The placement a connection's settings give (the validator stored them explicitly).
    init(settings: ConnectionSettings) {
        if let query = settings.queryParameter {
            self = .query(name: query)
        } else {
            let name = settings.headerName ?? Self.defaultHeader
            self = .header(
                name: name,
                prefix: settings.headerPrefix ?? (ASCII.equalsIgnoringCase(name, Self.defaultHeader) ? "Bearer " : ""))
        }
    }

    /// The header value for `key`: a prefix that ends in a letter or digit (`Bearer`) is
    /// followed by one space, any other (`Bearer `, `key=`) is used as it is.
    public static func headerValue(prefix: String, key: String) -> String {
        guard let last = prefix.unicodeScalars.last else { return key }
        let isWordEnd = last.properties.isAlphabetic || ("0"..."9").contains(last)
        return prefix + (isWordEnd ? " " : "") + key
    }

    /// `url` with the key in parameter `name`, replacing any parameter of that name (so an
    /// agent cannot send a second, chosen key alongside).
    static func url(_ url: RequestURL, withParameter name: String, key: String) -> RequestURL {
        let encodedName = PercentEncoding.encode(name)
        let kept = (url.query ?? "").split(separator: "&", omittingEmptySubsequences: true).filter { pair in
            let rawName = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return PercentEncoding.decode(rawName.utf8, plusAsSpace: true) != Array(name.utf8)
        }
        return url.replacingQuery(
            (kept.map(String.init) + ["\(encodedName)=\(PercentEncoding.encode(key))"]).joined(
                separator: "&"))
    }
}
