/// The one seam through which OAuthCore talks HTTP. Token endpoints, request-token
/// endpoints and revocation all go through it, so tests and benchmarks can swap the network.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the whole response; throws `HTTPTransportError` when no
    /// response arrived in `timeout`.
    func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse
}

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
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The media type of `Content-Type` without parameters, lower-cased.
    public var mediaType: String? {
        header("Content-Type").map { $0.split(separator: ";", maxSplits: 1).first.map(String.init) ?? $0 }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }
}

/// Failures below HTTP: nothing usable came back.
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete response within the time allowed.
    case timeout(url: String)
    /// The connection failed or broke (refused, reset, TLS, DNS).
    case network(url: String, reason: String)
    /// The response body was larger than the transport accepts.
    case responseTooLarge(url: String, limit: Int)
    /// The task waiting for the response was cancelled (Ctrl-C, a run's timeout).
    case cancelled
    /// The host is, or resolves to, an address the transport's `AddressPolicy` refuses
    /// (loopback, private, link-local… under `keyflow serve`); nothing was sent.
    case addressRefused(url: String, host: String, address: String)

    public var description: String {
        switch self {
        case .timeout(let url): return "no response from \(url) in time"
        case .network(let url, let reason): return "could not reach \(url): \(reason)"
        case .responseTooLarge(let url, let limit): return "the response from \(url) exceeds \(limit) bytes"
        case .cancelled: return "the request was cancelled"
        case .addressRefused(let url, let host, let address):
            let resolved = host == address ? address : "\(host) (\(address))"
            return "refused to connect to \(url): \(resolved) is an internal address; the server reaches internal networks "
                + "only when allowed with --allow-network CIDR or KEYFLOW_ALLOW_NETWORK"
        }
    }
}
