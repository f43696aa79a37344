import Crypto
import Foundation

/// Signs requests per RFC 5849 section 3.4, with an injectable nonce and clock so that a
/// signature can be reproduced (tests, `keyflow oauth1 sign`).
public struct OAuth1Signer: Sendable {
    /// Options that change which protocol parameters are sent.
    public struct Options: Sendable {
        /// Send `oauth_version="1.0"`. Optional in RFC 5849 but expected by many providers
        /// (X among them), and SmythOS's signer sends it.
        public var includeVersion: Bool = true
        /// Add `oauth_body_hash` for bodies that are not form-encoded.
        public var bodyHash: Bool = false
        /// Extra `oauth_*` parameters of the flow: `oauth_callback`, `oauth_verifier`.
        public var extraProtocolParameters: [(name: String, value: String)] = []

        /// Options with RFC 5849's defaults plus `oauth_version`.
        public init(
            includeVersion: Bool = true, bodyHash: Bool = false,
            extraProtocolParameters: [(name: String, value: String)] = []
        ) {
            self.includeVersion = includeVersion
            self.bodyHash = bodyHash
            self.extraProtocolParameters = extraProtocolParameters
        }
    }

    /// The credentials requests are signed with.
    public let credentials: OAuth1Credentials
    private let nonce: @Sendable () -> String
    private let clock: @Sendable () -> Int
    /// Encoded consumer secret `&` encoded token secret, made once per signer rather than
    /// once per request (it was a tenth of the time of signing a request).
    let signingKey: [UInt8]
    /// HMAC already keyed (its inner hash has absorbed the padded key): each request copies
    /// it instead of deriving the pads again. Keep a signer to reuse it across requests.
    private let keyed: KeyedHMAC

    private enum KeyedHMAC: Sendable {
        case sha1(HMAC<Insecure.SHA1>)
        case sha256(HMAC<SHA256>)
        case none
    }

    /// - Parameters:
    ///   - nonce: by default 128 random bits from the system's secure generator, as hex.
    ///   - clock: seconds since the epoch; by default the system clock.
    public init(
        credentials: OAuth1Credentials,
        nonce: @escaping @Sendable () -> String = OAuth1Signer.randomNonce,
        clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }
    ) {
        self.credentials = credentials
        self.nonce = nonce
        self.clock = clock
        var key = PercentEncoding.encodeBytes(credentials.consumerSecret.utf8)
        key.append(UInt8(ascii: "&"))
        PercentEncoding.append((credentials.tokenSecret ?? "").utf8, to: &key)
        signingKey = key
        switch credentials.signatureMethod {
        case .hmacSHA1: keyed = .sha1(HMAC(key: SymmetricKey(data: key)))
        case .hmacSHA256: keyed = .sha256(HMAC(key: SymmetricKey(data: key)))
        case .rsaSHA1, .plaintext: keyed = .none
        }
    }

    /// Signs `request` and returns every intermediate value with the result.
    public func sign(_ request: OAuth1Request, options: Options = Options()) throws(OAuth1Error) -> OAuth1Signature {
        var protocolParameters: [(name: String, value: String)] = [
            ("oauth_consumer_key", credentials.consumerKey),
            ("oauth_nonce", nonce()),
            ("oauth_signature_method", credentials.signatureMethod.rawValue),
            ("oauth_timestamp", String(clock())),
        ]
        if let token = credentials.token { protocolParameters.append(("oauth_token", token)) }
        if options.includeVersion { protocolParameters.append(("oauth_version", "1.0")) }
        protocolParameters.append(contentsOf: options.extraProtocolParameters)
        if options.bodyHash {
            // RFC draft "OAuth Request Body Hash": never for form bodies, whose parameters
            // are signed directly; an absent body hashes as the empty string.
            switch request.body {
            case .form: break
            case .none:
                protocolParameters.append(
                    ("oauth_body_hash", Data(Insecure.SHA1.hash(data: [UInt8]())).base64EncodedString()))
            case .bytes(let bytes):
                protocolParameters.append(
                    ("oauth_body_hash", Data(Insecure.SHA1.hash(data: bytes)).base64EncodedString()))
            }
        }

        let parameterString = Self.normalizedParameters(request: request, protocolParameters: protocolParameters)
        var base = [UInt8]()
        base.reserveCapacity(parameterString.count * 3 + 128)
        PercentEncoding.append(ASCII.uppercased(request.method).utf8, to: &base)
        base.append(UInt8(ascii: "&"))
        PercentEncoding.append(request.url.baseStringURI.utf8, to: &base)
        base.append(UInt8(ascii: "&"))
        PercentEncoding.append(parameterString, to: &base)

        let signature = try signature(over: base)
        return OAuth1Signature(
            parameterBytes: parameterString, baseBytes: base, signature: signature,
            protocolParameters: protocolParameters)
    }

    private func signature(over base: [UInt8]) throws(OAuth1Error) -> String {
        switch credentials.signatureMethod {
        case .hmacSHA1:
            var hmac: HMAC<Insecure.SHA1>
            if case .sha1(let ready) = keyed { hmac = ready } else { hmac = HMAC(key: SymmetricKey(data: signingKey)) }
            hmac.update(data: base)
            // `Data(mac)` would go through generic casts.
            return hmac.finalize().withUnsafeBytes { Data($0) }.base64EncodedString()
        case .hmacSHA256:
            var hmac: HMAC<SHA256>
            if case .sha256(let ready) = keyed {
                hmac = ready
            } else {
                hmac = HMAC(key: SymmetricKey(data: signingKey))
            }
            hmac.update(data: base)
            return hmac.finalize().withUnsafeBytes { Data($0) }.base64EncodedString()
        case .rsaSHA1:
            guard let key = credentials.rsaKey else { throw .missingPrivateKey }
            return Data(try key.sign(base)).base64EncodedString()
        case .plaintext:
            return String(decoding: signingKey, as: UTF8.self)
        }
    }

    /// RFC 5849 section 3.4.1.3: query, form body and protocol parameters, each name and
    /// value decoded then re-encoded, sorted by name then value (byte order), joined with
    /// `=` and `&`. `oauth_signature` is never included; `realm` is never a parameter here.
    ///
    /// Every name and value is re-encoded into one buffer and the pairs are ranges into it,
    /// so a request costs a few allocations however many parameters it has (one array per
    /// name and per value made signing allocation-bound).
    static func normalizedParameters(request: OAuth1Request, protocolParameters: [(name: String, value: String)])
        -> [UInt8]
    {
        var storage = [UInt8]()
        storage.reserveCapacity(512)
        var pairs: [(name: Range<Int>, value: Range<Int>)] = []
        pairs.reserveCapacity(protocolParameters.count + 16)
        // Walked as one buffer of bytes: String.UTF8View indices are slow to step through.
        // The buffers are passed `inout` rather than captured, which spares a dynamic
        // exclusivity check on every access.
        if var query = request.url.query { query.withUTF8 { addEncoded($0, to: &storage, pairs: &pairs) } }
        if case .form(var body) = request.body { body.withUTF8 { addEncoded($0, to: &storage, pairs: &pairs) } }
        for parameter in protocolParameters {
            let start = storage.count
            PercentEncoding.append(parameter.name.utf8, to: &storage)
            let nameEnd = storage.count
            PercentEncoding.append(parameter.value.utf8, to: &storage)
            pairs.append((start..<nameEnd, nameEnd..<storage.count))
        }
        var out = [UInt8]()
        out.reserveCapacity(storage.count + pairs.count * 2)
        // Pointers rather than array slices: a slice retains and releases the array's buffer.
        storage.withUnsafeBufferPointer { bytes in
            pairs.sort { lhs, rhs in
                let left = bytes[lhs.name]
                let right = bytes[rhs.name]
                return left.elementsEqual(right)
                    ? bytes[lhs.value].lexicographicallyPrecedes(bytes[rhs.value])
                    : left.lexicographicallyPrecedes(right)
            }
            for (offset, pair) in pairs.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: "&")) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pair.name]))
                out.append(UInt8(ascii: "="))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pair.value]))
            }
        }
        return out
    }

    private static let signatureName = Array("oauth_signature".utf8)

    /// Re-encodes the pairs of a form-encoded buffer into `storage`, skipping `oauth_signature`.
    private static func addEncoded(
        _ raw: UnsafeBufferPointer<UInt8>, to storage: inout [UInt8],
        pairs: inout [(name: Range<Int>, value: Range<Int>)]
    ) {
        FormEncoding.forEachRawPair(raw) { name, value in
            let start = storage.count
            PercentEncoding.appendReencoded(name, to: &storage)
            let nameEnd = storage.count
            if storage[start..<nameEnd].elementsEqual(signatureName) {
                storage.removeSubrange(start...)
                return
            }
            PercentEncoding.appendReencoded(value, to: &storage)
            pairs.append((start..<nameEnd, nameEnd..<storage.count))
        }
    }

    /// 128 bits from the system's cryptographically secure generator, as 32 hex digits.
    @Sendable public static func randomNonce() -> String {
        SecureRandom.hex(byteCount: 16)
    }
}
