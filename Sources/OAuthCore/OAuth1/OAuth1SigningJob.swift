import Crypto
import Foundation

/// One request being signed by an `OAuth1Signer`: its parameters are re-encoded into a scratch
/// buffer and sorted as ranges into it (RFC 5849 section 3.4.1.3), then the base string, the
/// signature and the `Authorization` header are written into one byte array sized beforehand.
///
/// The signer, request and options are parameters rather than stored properties: parameters
/// are borrowed, whereas storing them retained and released every string they hold.
struct OAuth1SigningJob {
    let rsaKey: OAuth1RSAKey?
    /// The caller's nonce, or nil for 128 random bits as hex.
    let nonce: String?
    let timestamp: Int
    let bodyDigest: Insecure.SHA1.Digest?

    func run(_ signer: OAuth1Signer, _ request: OAuth1Request, _ options: OAuth1Signer.Options)
        throws(OAuth1Error) -> OAuth1Signature
    {
        var form: String? = nil
        if case .form(let body) = request.body { form = body }
        let queryCount = request.url.query?.utf8.count ?? 0
        let formCount = form?.utf8.count ?? 0
        var extraCount = 0
        for parameter in options.extraProtocolParameters {
            extraCount += parameter.name.utf8.count + parameter.value.utf8.count
        }
        let signatureCapacity = signer.signatureCapacity(rsaKey: rsaKey)
        // Each raw byte is at most 3 encoded ones; 160 covers the fixed names, the timestamp
        // and the version, 100 the body hash. Usually under 1 KB, which stays on the stack.
        let scratchCapacity =
            3 * (queryCount + formCount + extraCount + signatureCapacity) + (nonce.map { 3 * $0.utf8.count } ?? 32)
            + signer.encodedCredentialCount + 160 + (bodyDigest == nil ? 0 : 100)
        // A pair takes at least one byte and a separator.
        let protocolCapacity = options.extraProtocolParameters.count + 8
        let pairCapacity = (queryCount + 1) / 2 + (formCount + 1) / 2 + 2 * protocolCapacity
        let result: Result<OAuth1Signature, OAuth1Error> = withUnsafeTemporaryAllocation(
            of: UInt8.self, capacity: scratchCapacity
        ) { scratch in
            withUnsafeTemporaryAllocation(of: ParameterList.Pair.self, capacity: pairCapacity) { pairs in
                guard let scratchStart = scratch.baseAddress, let pairStart = pairs.baseAddress else {
                    return .failure(.signingFailed("no memory to sign the request"))
                }
                var list = ParameterList(scratch: scratchStart, pairs: pairStart)
                collect(into: &list, form: form, signer, request, options)
                return write(&list, signatureCapacity: signatureCapacity, signer, request)
            }
        }
        return try result.get()
    }

    /// Query, form body and protocol parameters, each encoded once, in the order they come.
    private func collect(
        into list: inout ParameterList, form: String?, _ signer: OAuth1Signer, _ request: OAuth1Request,
        _ options: OAuth1Signer.Options
    ) {
        if let query = request.url.query { withBytes(query) { list.addForm($0) } }
        if let form { withBytes(form) { list.addForm($0) } }
        list.protocolStart = list.count
        signer.withEncodedConsumerKey { list.add("oauth_consumer_key", encoded: $0) }
        list.beginValue("oauth_nonce")
        if let nonce {
            withBytes(nonce) { list.cursor.putEncoded($0) }
        } else {
            var random: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &random) { bytes in
                SecureRandom.fillNonce(bytes)
                list.cursor.putLowerHex(UnsafeRawBufferPointer(bytes))
            }
        }
        list.endValue()
        list.beginValue("oauth_signature_method")
        withBytes(signer.credentials.signatureMethod.rawValue) { list.cursor.putEncoded($0) }
        list.endValue()
        list.beginValue("oauth_timestamp")
        list.cursor.putDecimal(timestamp)
        list.endValue()
        signer.withEncodedToken { token in
            if let token { list.add("oauth_token", encoded: token) }
        }
        if options.includeVersion {
            list.beginValue("oauth_version")
            list.cursor.put("1.0")
            list.endValue()
        }
        for parameter in options.extraProtocolParameters {
            let start = list.cursor.count
            withBytes(parameter.name) { list.cursor.putEncoded($0) }
            let nameEnd = list.cursor.count
            withBytes(parameter.value) { list.cursor.putEncoded($0) }
            list.append(start: start, nameEnd: nameEnd)
        }
        if let bodyDigest {
            list.beginValue("oauth_body_hash")
            var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 28 base64 characters
            withUnsafeMutableBytes(of: &text) { room in
                let bytes = room.bindMemory(to: UInt8.self)
                guard let start = bytes.baseAddress else { return }
                var base64 = ByteCursor(start)
                bodyDigest.withUnsafeBytes { base64.putBase64($0.bindMemory(to: UInt8.self)) }
                list.cursor.putEncoded(UnsafeBufferPointer(start: start, count: base64.count))
            }
            list.endValue()
        }
        list.protocolEnd = list.count
    }

    /// Sorts the parameters, then writes base string, signature and header into one array.
    private func write(
        _ list: inout ParameterList, signatureCapacity: Int, _ signer: OAuth1Signer, _ request: OAuth1Request
    ) -> Result<OAuth1Signature, OAuth1Error> {
        let method = ASCII.uppercased(request.method)
        let url = request.url
        // The protocol parameters are copied before sorting: the header lists them alone.
        let headerPairs = list.pairs + list.count
        let protocolCount = list.protocolEnd - list.protocolStart
        (headerPairs).update(from: list.pairs + list.protocolStart, count: protocolCount)
        list.sortForBaseString()

        let parameterBytes = list.cursor.count
        let baseCapacity =
            3 * (method.utf8.count + url.scheme.utf8.count + url.host.utf8.count + url.path.utf8.count + 9) + 2
            + 3 * parameterBytes + 6 * list.count
        let headerCapacity = 6 + parameterBytes + 5 * (protocolCount + 1) + 15 + 3 * signatureCapacity
        var failure: OAuth1Error? = nil
        var baseEnd = 0
        var signatureEnd = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: baseCapacity + signatureCapacity + headerCapacity) {
            buffer, initialized in
            guard let start = buffer.baseAddress else { return }
            var out = ByteCursor(start)
            // RFC 5849 section 3.4.1: METHOD & encoded base string URI & encoded parameters.
            withBytes(method) { out.putEncoded($0) }
            out.put(UInt8(ascii: "&"))
            withBytes(url.scheme) { out.putEncoded($0) }
            out.put("%3A%2F%2F")
            withBytes(url.host) { out.putEncoded($0) }
            if let port = url.port {
                out.put("%3A")
                out.putDecimal(port)
            }
            withBytes(url.path) { out.putEncoded($0) }
            out.put(UInt8(ascii: "&"))
            for index in 0..<list.count {
                if index > 0 { out.put("%26") }
                out.putEncodedAgain(list.name(index))
                out.put("%3D")
                out.putEncodedAgain(list.value(index))
            }
            baseEnd = out.count

            if case .failure(let error) = signer.writeSignature(
                over: UnsafeBufferPointer(start: start, count: baseEnd), rsaKey: rsaKey, to: &out)
            {
                failure = error
                return
            }
            signatureEnd = out.count

            // The header: the protocol parameters and the signature, sorted by name.
            var header = ParameterList(scratch: list.cursor.start, pairs: headerPairs)
            header.cursor = list.cursor
            header.count = protocolCount
            header.beginValue("oauth_signature")
            header.cursor.putEncoded(UnsafeBufferPointer(start: start + baseEnd, count: signatureEnd - baseEnd))
            header.endValue()
            header.sortByName()
            out.put("OAuth ")
            for index in 0..<header.count {
                if index > 0 { out.put(", ") }
                out.put(header.name(index))
                out.put("=\"")
                out.put(header.value(index))
                out.put(UInt8(ascii: "\""))
            }
            initialized = out.count
        }
        if let failure { return .failure(failure) }
        return .success(OAuth1Signature(bytes: bytes, baseEnd: baseEnd, signatureEnd: signatureEnd))
    }
}

/// Name/value pairs as ranges into one scratch buffer they were encoded into.
struct ParameterList {
    struct Pair {
        var start: Int
        var nameEnd: Int
        var end: Int
        /// The name's first 8 bytes, big-endian, zero-padded: orders most pairs by itself
        /// (an encoded name holds no zero byte, so padding sorts a prefix first).
        var key: UInt64
    }

    var cursor: ByteCursor
    let pairs: UnsafeMutablePointer<Pair>
    var count = 0
    var protocolStart = 0
    var protocolEnd = 0
    private var valueStart = 0
    private var valueNameEnd = 0

    init(scratch: UnsafeMutablePointer<UInt8>, pairs: UnsafeMutablePointer<Pair>) {
        cursor = ByteCursor(scratch)
        self.pairs = pairs
    }

    @inline(__always)
    func name(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let pair = pairs[index]
        return UnsafeBufferPointer(start: cursor.start + pair.start, count: pair.nameEnd - pair.start)
    }

    @inline(__always)
    func value(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let pair = pairs[index]
        return UnsafeBufferPointer(start: cursor.start + pair.nameEnd, count: pair.end - pair.nameEnd)
    }

    mutating func append(start: Int, nameEnd: Int) {
        var key: UInt64 = 0
        let name = cursor.start + start
        for index in 0..<min(8, nameEnd - start) { key |= UInt64(name[index]) << (56 - 8 * UInt64(index)) }
        pairs[count] = Pair(start: start, nameEnd: nameEnd, end: cursor.count, key: key)
        count += 1
    }

    /// A protocol parameter whose value is already encoded.
    mutating func add(_ name: StaticString, encoded value: UnsafeBufferPointer<UInt8>) {
        beginValue(name)
        cursor.put(value)
        endValue()
    }

    /// Writes `name` (unreserved characters only); the value follows, then `endValue`.
    mutating func beginValue(_ name: StaticString) {
        valueStart = cursor.count
        cursor.put(name)
        valueNameEnd = cursor.count
    }

    mutating func endValue() {
        append(start: valueStart, nameEnd: valueNameEnd)
    }

    private static let signatureName: StaticString = "oauth_signature"

    /// Adds the pairs of a form-encoded buffer, decoded and encoded again in one pass, split
    /// as `FormEncoding.forEachRawPair` splits them (empty segments skipped, the first `=`
    /// separates name and value); `oauth_signature` is left out.
    mutating func addForm(_ raw: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let total = raw.count
        while index < total {
            if raw[index] == UInt8(ascii: "&") {
                index += 1
                continue
            }
            let start = cursor.count
            index = cursor.putReencoded(raw, from: index, stopAtEquals: true)
            let nameEnd = cursor.count
            if index < total && raw[index] == UInt8(ascii: "=") {
                index = cursor.putReencoded(raw, from: index + 1, stopAtEquals: false)
            }
            let name = UnsafeBufferPointer(start: cursor.start + start, count: nameEnd - start)
            if Self.equal(name, Self.signatureName) {
                cursor.rewind(to: start)
            } else {
                append(start: start, nameEnd: nameEnd)
            }
            index += 1  // past `&`
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount, let start = bytes.baseAddress else { return false }
        return memcmp(start, name.utf8Start, bytes.count) == 0
    }

    /// Byte order of two ranges, as `lexicographicallyPrecedes` orders them.
    @inline(__always)
    private static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let shared = min(left.count, right.count)
        if shared > 0, let leftStart = left.baseAddress, let rightStart = right.baseAddress {
            // Names mostly differ in their first byte: decided without a call.
            if leftStart.pointee != rightStart.pointee { return Int(leftStart.pointee) - Int(rightStart.pointee) }
            let order = memcmp(leftStart, rightStart, shared)
            if order != 0 { return Int(order) }
        }
        return left.count - right.count
    }

    /// Sorts by encoded name, then encoded value (RFC 5849 section 3.4.1.3.2).
    mutating func sortForBaseString() {
        let base = cursor.start
        func less(_ lhs: Pair, _ rhs: Pair) -> Bool {
            if lhs.key != rhs.key { return lhs.key < rhs.key }
            let names = Self.compare(
                UnsafeBufferPointer(start: base + lhs.start, count: lhs.nameEnd - lhs.start),
                UnsafeBufferPointer(start: base + rhs.start, count: rhs.nameEnd - rhs.start))
            if names != 0 { return names < 0 }
            return Self.compare(
                UnsafeBufferPointer(start: base + lhs.nameEnd, count: lhs.end - lhs.nameEnd),
                UnsafeBufferPointer(start: base + rhs.nameEnd, count: rhs.end - rhs.nameEnd)) < 0
        }
        sort(by: less)
    }

    /// Sorts by encoded name only, keeping the order of equal names (the header's order).
    mutating func sortByName() {
        let base = cursor.start
        sort { lhs, rhs in
            if lhs.key != rhs.key { return lhs.key < rhs.key }
            return Self.compare(
                UnsafeBufferPointer(start: base + lhs.start, count: lhs.nameEnd - lhs.start),
                UnsafeBufferPointer(start: base + rhs.start, count: rhs.nameEnd - rhs.start)) < 0
        }
    }

    /// A stable insertion sort for the usual dozen or two pairs (no allocation, no generic
    /// sort machinery); the standard library's stable sort above that.
    private mutating func sort(by less: (Pair, Pair) -> Bool) {
        var buffer = UnsafeMutableBufferPointer(start: pairs, count: count)
        if count > 32 {
            buffer.sort(by: less)
            return
        }
        var index = 1
        while index < count {
            let pair = buffer[index]
            var slot = index
            while slot > 0 && less(pair, buffer[slot - 1]) {
                buffer[slot] = buffer[slot - 1]
                slot -= 1
            }
            buffer[slot] = pair
            index += 1
        }
    }
}

/// Calls `body` with the UTF-8 bytes of `string`, without copying them when it is native.
@inline(__always)
func withBytes<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = string
    return copy.withUTF8(body)
}
