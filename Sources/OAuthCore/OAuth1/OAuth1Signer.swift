import Crypto
import Foundation

/// Signs requests per RFC 5849 section 3.4, with an injectable nonce and clock so that a
/// signature can be reproduced (tests, `keyflow oauth1 sign`).
///
/// A request is signed in one pass over preallocated memory: its parameters are re-encoded
/// into one scratch buffer (on the stack when small) and sorted as ranges into it; the base
/// string, the signature and the header are written into one byte array, which the returned
/// `OAuth1Signature` keeps; strings are made only when asked for (the header, once per request).
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
    /// nil: 128 random bits as hex, written straight into the parameters (no String).
    private let nonce: (@Sendable () -> String)?
    /// nil: the system clock.
    private let clock: (@Sendable () -> Int)?
    /// Encoded consumer secret `&` encoded token secret, made once per signer rather than
    /// once per request (it was a tenth of the time of signing a request).
    let signingKey: [UInt8]
    /// The consumer key and token percent-encoded once per signer.
    private let encodedConsumerKey: [UInt8]
    private let encodedToken: [UInt8]?
    /// HMAC already keyed (its inner and outer hashes have absorbed the padded key): each
    /// request copies it instead of deriving the pads again. Keep a signer to reuse it.
    private let keyed: KeyedHMAC

    private enum KeyedHMAC: Sendable {
        /// OpenSSL's SHA-1, faster than swift-crypto's HMAC in the `sign` benchmark.
        case sha1(KeyedHMACSHA1)
        case sha256(HMAC<SHA256>)
        case none
    }

    /// - Parameters:
    ///   - nonce: by default 128 random bits from a cryptographically secure generator, as hex.
    ///   - clock: seconds since the epoch; by default the system clock.
    public init(
        credentials: OAuth1Credentials,
        nonce: (@Sendable () -> String)? = nil,
        clock: (@Sendable () -> Int)? = nil
    ) {
        self.credentials = credentials
        self.nonce = nonce
        self.clock = clock
        var key = PercentEncoding.encodeBytes(credentials.consumerSecret.utf8)
        key.append(UInt8(ascii: "&"))
        PercentEncoding.append((credentials.tokenSecret ?? "").utf8, to: &key)
        signingKey = key
        encodedConsumerKey = PercentEncoding.encodeBytes(credentials.consumerKey.utf8)
        encodedToken = credentials.token.map { PercentEncoding.encodeBytes($0.utf8) }
        switch credentials.signatureMethod {
        case .hmacSHA1: keyed = .sha1(KeyedHMACSHA1(key: key))
        case .hmacSHA256: keyed = .sha256(HMAC(key: SymmetricKey(data: key)))
        case .rsaSHA1, .plaintext: keyed = .none
        }
    }

    /// Signs `request` and returns every intermediate value with the result.
    public func sign(_ request: OAuth1Request, options: Options = Options()) throws(OAuth1Error) -> OAuth1Signature {
        let method = credentials.signatureMethod
        var rsaKey: OAuth1RSAKey? = nil
        if method == .rsaSHA1 {
            guard let key = credentials.rsaKey else { throw .missingPrivateKey }
            rsaKey = key
        }
        // RFC draft "OAuth Request Body Hash": never for form bodies, whose parameters are
        // signed directly; an absent body hashes as the empty string.
        var bodyDigest: Insecure.SHA1.Digest? = nil
        if options.bodyHash {
            switch request.body {
            case .form: break
            case .none: bodyDigest = Insecure.SHA1.hash(data: [UInt8]())
            case .bytes(let bytes): bodyDigest = Insecure.SHA1.hash(data: bytes)
            }
        }
        let job = OAuth1SigningJob(
            rsaKey: rsaKey, nonce: nonce?(), timestamp: clock?() ?? Int(time(nil)), bodyDigest: bodyDigest)
        return try job.run(self, request, options)
    }

    /// Writes the signature of `base` (a base string) at `out` and returns how many bytes it
    /// took: base64 for the HMACs and RSA, the signing key for PLAINTEXT.
    func writeSignature(
        over base: UnsafeBufferPointer<UInt8>, rsaKey: OAuth1RSAKey?, to out: inout ByteCursor
    ) -> Result<Void, OAuth1Error> {
        switch keyed {
        case .sha1(let hmac):
            var mac: (UInt64, UInt64, UInt32) = (0, 0, 0)
            withUnsafeMutableBytes(of: &mac) { room in
                let bytes = room.bindMemory(to: UInt8.self)
                guard let start = bytes.baseAddress else { return }
                hmac.authenticationCode(for: UnsafeRawBufferPointer(base), into: start)
                out.putBase64(UnsafeBufferPointer(start: start, count: KeyedHMACSHA1.byteCount))
            }
            return .success(())
        case .sha256(var hmac):
            hmac.update(data: UnsafeRawBufferPointer(base))
            hmac.finalize().withUnsafeBytes { out.putBase64($0.bindMemory(to: UInt8.self)) }
            return .success(())
        case .none:
            break
        }
        switch credentials.signatureMethod {
        case .rsaSHA1:
            guard let rsaKey else { return .failure(.missingPrivateKey) }
            do {
                let signature = try rsaKey.sign(Array(base))
                signature.withUnsafeBufferPointer { out.putBase64($0) }
                return .success(())
            } catch {
                return .failure(error)
            }
        case .plaintext:
            signingKey.withUnsafeBufferPointer { out.put($0) }
            return .success(())
        case .hmacSHA1, .hmacSHA256:
            // Unreachable: the keyed HMAC is made for these in init.
            return .failure(.signingFailed("the HMAC was not keyed"))
        }
    }

    /// The most bytes `writeSignature` writes.
    func signatureCapacity(rsaKey: OAuth1RSAKey?) -> Int {
        switch credentials.signatureMethod {
        case .hmacSHA1: return ByteCursor.base64Count(20)
        case .hmacSHA256: return ByteCursor.base64Count(32)
        case .rsaSHA1: return ByteCursor.base64Count(((rsaKey?.bits ?? 16384) + 7) / 8)
        case .plaintext: return signingKey.count
        }
    }

    /// Bytes of the encoded consumer key and token.
    var encodedCredentialCount: Int { encodedConsumerKey.count + (encodedToken?.count ?? 0) }

    func withEncodedConsumerKey<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        encodedConsumerKey.withUnsafeBufferPointer(body)
    }

    func withEncodedToken<R>(_ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard let encodedToken else { return body(nil) }
        return encodedToken.withUnsafeBufferPointer { body($0) }
    }

    /// 128 bits from a cryptographically secure generator, as 32 hex digits.
    @Sendable public static func randomNonce() -> String {
        SecureRandom.hex(byteCount: 16)
    }
}
