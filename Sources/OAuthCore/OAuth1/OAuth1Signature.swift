/// A computed OAuth 1.0a signature with the values that produced it, so that a user can
/// compare them with what a provider says it expected.
///
/// It keeps one byte array, written by the signer: the base string, the signature, then the
/// header's `OAuth name="value", ...` (realm left out). Most requests only need the header,
/// so every string here is made on demand from those bytes.
public struct OAuth1Signature: Sendable {
    let bytes: [UInt8]
    let baseEnd: Int
    let signatureEnd: Int

    init(bytes: [UInt8], baseEnd: Int, signatureEnd: Int) {
        self.bytes = bytes
        self.baseEnd = baseEnd
        self.signatureEnd = signatureEnd
    }

    private func string(_ range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// The normalized request parameters (RFC 5849 section 3.4.1.3.2): the base string's
    /// third part, decoded once (method and URI are encoded, so the second `&` ends them).
    public var parameterString: String {
        let base = bytes[..<baseEnd]
        guard let first = base.firstIndex(of: UInt8(ascii: "&")),
            let second = base[(first + 1)...].firstIndex(of: UInt8(ascii: "&"))
        else { return "" }
        return String(decoding: PercentEncoding.decode(base[(second + 1)...], plusAsSpace: false), as: UTF8.self)
    }

    /// The signature base string (section 3.4.1).
    public var baseString: String { string(0..<baseEnd) }

    /// The `oauth_signature` value, before encoding.
    public var signature: String { string(baseEnd..<signatureEnd) }

    /// The `oauth_*` parameters that were signed, without `oauth_signature`, sorted by name.
    public var protocolParameters: [(name: String, value: String)] {
        signedParameters.filter { $0.name != "oauth_signature" }
    }

    /// The protocol parameters with the signature, sorted by name: the header's pairs, decoded.
    public var signedParameters: [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = []
        let header = bytes[(signatureEnd + Self.scheme.count)...]
        var index = header.startIndex
        // The header is the signer's own output: `name="value"` pairs joined by `, `, every
        // name and value percent-encoded, so neither holds a quote or a comma.
        while index < header.endIndex {
            guard let equals = header[index...].firstIndex(of: UInt8(ascii: "=")) else { break }
            let valueStart = equals + 2
            guard valueStart <= header.endIndex,
                let quote = header[valueStart...].firstIndex(of: UInt8(ascii: "\""))
            else { break }
            parameters.append(
                (
                    String(decoding: PercentEncoding.decode(header[index..<equals], plusAsSpace: false), as: UTF8.self),
                    String(
                        decoding: PercentEncoding.decode(header[valueStart..<quote], plusAsSpace: false), as: UTF8.self)
                ))
            index = quote + 3  // past `", `
        }
        return parameters
    }

    private static let scheme = Array("OAuth ".utf8)

    /// `OAuth realm="...", oauth_consumer_key="...", ...` (section 3.5.1): every value
    /// percent-encoded and quoted.
    public func authorizationHeader(realm: String? = nil) -> String {
        guard let realm else { return string(signatureEnd..<bytes.count) }
        var out = Self.scheme
        out.append(contentsOf: "realm=\"".utf8)
        PercentEncoding.append(realm.utf8, to: &out)
        out.append(contentsOf: "\", ".utf8)
        out.append(contentsOf: bytes[(signatureEnd + Self.scheme.count)...])
        return String(decoding: out, as: UTF8.self)
    }

    /// The signed parameters as a query string (section 3.5.3), to append to the URL's query.
    public var queryString: String { FormEncoding.encode(signedParameters) }

    /// `url` with the signed parameters appended to its query.
    public func signedURL(_ url: RequestURL) -> RequestURL {
        url.replacingQuery(url.query.map { $0.isEmpty ? queryString : "\($0)&\(queryString)" } ?? queryString)
    }
}
