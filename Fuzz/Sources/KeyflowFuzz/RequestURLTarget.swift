import OAuthCore

/// RequestURL on any text. A URL that parses is stable: its description and its base string
/// URI parse back to the same parts, and it is a valid request target (no raw space,
/// control, non-ASCII byte or fragment in the path or query).
enum RequestURLTarget {
    static func run(_ bytes: [UInt8]) {
        guard let url = try? RequestURL(text(bytes)) else { return }
        require(url.scheme == "http" || url.scheme == "https", "a scheme other than http(s)")
        require(!url.host.isEmpty, "an empty host")
        if let port = url.port {
            require((0...65535).contains(port) && port != (url.scheme == "https" ? 443 : 80), "a bad or default port")
        }
        require(url.path.hasPrefix("/"), "a path that does not start with /: \(url.path)")
        for part in [url.path, url.query ?? ""] {
            require(
                part.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") },
                "a raw byte that cannot be sent: \(part)")
        }
        do {
            let again = try RequestURL(url.description)
            require(again == url, "parse(description) changed the URL: \(url.description) -> \(again.description)")
            let base = try RequestURL(url.baseStringURI)
            require(
                base == url.replacingQuery(nil),
                "the base string URI does not parse to the URL without its query: \(url.baseStringURI)")
        } catch {
            require(false, "RequestURL refused its own description \(url.description): \(error)")
        }
    }
}
