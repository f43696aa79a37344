/// An HTTP request with a fully buffered body.
public struct HTTPTransportRequest: Sendable {
    /// The HTTP method (`GET`, `POST`...).
    public var method: String
    /// The absolute URL as it goes on the wire.
    public var url: String {
        didSet { parsedURL = nil }
    }
    /// `url` already parsed, when whoever built the request had it (APICall parses its URL
    /// once; the authorizing transport signs and checks that same value instead of parsing
    /// the string again). Cleared whenever `url` is set.
    public private(set) var parsedURL: RequestURL?
    /// The header fields in order; a name may repeat.
    public var headers: [(name: String, value: String)]
    /// The body, or nil for none.
    public var body: [UInt8]?
    /// The largest response body this request accepts, instead of the transport's own limit;
    /// reading stops there (an agent's APICall sets its run's limit).
    public var maxResponseBytes: Int?
    /// Lets this request reach a loopback address although the transport's policy refuses
    /// internal ones: set only for a model's base URL that a team member gave explicitly as
    /// `http://127.0.0.1:…` (a local model server), never from an agent's data. A redirect to
    /// another origin clears it.
    public var allowsLoopback = false

    /// A request with the transport's own response limit.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A request to an already parsed URL, which later layers use as it is.
    public init(method: String, url: RequestURL, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.init(method: method, url: url.description, headers: headers, body: body)
        parsedURL = url
    }

    /// Points the request at `url`, keeping the parsed form.
    public mutating func setURL(_ url: RequestURL) {
        self.url = url.description
        parsedURL = url
    }

    /// The URL parsed: the one the request was built with, or `url` parsed now.
    public func requestURL() throws(InvalidURLError) -> RequestURL {
        if let parsedURL { return parsedURL }
        return try RequestURL(url)
    }
}
