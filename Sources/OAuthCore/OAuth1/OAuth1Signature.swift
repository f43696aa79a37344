/// A computed OAuth 1.0a signature with the values that produced it, so that a user can
/// compare them with what a provider says it expected.
public struct OAuth1Signature: Sendable {
    /// The normalized request parameters (RFC 5849 section 3.4.1.3.2).
    public var parameterString: String { String(decoding: parameterBytes, as: UTF8.self) }
    /// The signature base string (section 3.4.1).
    public var baseString: String { String(decoding: baseBytes, as: UTF8.self) }
    /// The `oauth_signature` value, before encoding.
    public let signature: String
    /// The `oauth_*` parameters that were signed, without `oauth_signature`.
    public let protocolParameters: [(name: String, value: String)]
    /// Kept as bytes: most requests only need the header, so the strings are made on demand.
    let parameterBytes: [UInt8]
    let baseBytes: [UInt8]

    init(
        parameterBytes: [UInt8], baseBytes: [UInt8], signature: String,
        protocolParameters: [(name: String, value: String)]
    ) {
        self.parameterBytes = parameterBytes
        self.baseBytes = baseBytes
        self.signature = signature
        self.protocolParameters = protocolParameters
    }

    /// The protocol parameters with the signature, sorted by name. The names are ASCII
    /// (`oauth_*`), for which String's `<` is a byte comparison; comparing `utf8` views
    /// element by element was a fifth of the time of making a header.
    public var signedParameters: [(name: String, value: String)] {
        var parameters = protocolParameters
        parameters.append(("oauth_signature", signature))
        parameters.sort { $0.name < $1.name }
        return parameters
    }

    /// `OAuth realm="...", oauth_consumer_key="...", ...` (section 3.5.1): every value
    /// percent-encoded and quoted.
    public func authorizationHeader(realm: String? = nil) -> String {
        var out = [UInt8]()
        out.reserveCapacity(256)
        out.append(contentsOf: "OAuth ".utf8)
        var first = true
        func add(_ name: String, _ value: String) {
            if !first { out.append(contentsOf: ", ".utf8) }
            first = false
            PercentEncoding.append(name.utf8, to: &out)
            out.append(contentsOf: "=\"".utf8)
            PercentEncoding.append(value.utf8, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        if let realm { add("realm", realm) }
        for parameter in signedParameters { add(parameter.name, parameter.value) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The signed parameters as a query string (section 3.5.3), to append to the URL's query.
    public var queryString: String { FormEncoding.encode(signedParameters) }

    /// `url` with the signed parameters appended to its query.
    public func signedURL(_ url: RequestURL) -> RequestURL {
        url.replacingQuery(url.query.map { $0.isEmpty ? queryString : "\($0)&\(queryString)" } ?? queryString)
    }
}
