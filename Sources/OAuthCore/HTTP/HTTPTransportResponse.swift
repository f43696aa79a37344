/// An HTTP response with a fully buffered body.
public struct HTTPTransportResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The header fields in order; a name may repeat.
    public var headers: [(name: String, value: String)]
    /// The whole body.
    public var body: [UInt8]

    /// A response with the given status, headers and body.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, compared case-insensitively.
    /// (Header names are ASCII: no Foundation compare on the path of every APICall.)
    public func header(_ name: String) -> String? {
        let wanted = ASCII.lowercased(name)
        return headers.first { ASCII.equalsIgnoringCase($0.name, wanted) }?.value
    }

    /// The media type of `Content-Type` without parameters or the spaces and tabs around it,
    /// lower-cased.
    public var mediaType: String? {
        guard let value = header("Content-Type") else { return nil }
        let type = value.utf8.prefix { $0 != UInt8(ascii: ";") }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = type.firstIndex(where: { !isBlank($0) }), let last = type.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return ASCII.lowercased(String(Substring(value.utf8[first...last])))
    }
}
