import COpenSSL
import Crypto
import OAuthCore

/// HMAC-SHA1 over one base string, from a state keyed beforehand, four ways in the same run:
/// swift-crypto's `HMAC` copied, OpenSSL's SHA-1 pad states copied (`KeyedHMACSHA1`, what the
/// signer uses), OpenSSL's `HMAC_CTX_copy` into a reused context and `EVP_MAC_CTX_dup`; plus
/// swift-crypto keying per MAC. The `sign` suite keeps the faster library for the signer and
/// uses its figure as the limit.
struct HMACComparison {
    /// Seconds per MAC.
    var swiftCryptoKeyed: Double
    var swiftCryptoUnkeyed: Double
    var openSSL: Double
    var openSSLHMACCtx: Double
    var openSSLEVPMac: Double
    /// False when the implementations disagreed on the MAC (the figures then mean nothing).
    var agree: Bool

    static func measure(base: [UInt8], key: [UInt8], scale: Scale) -> HMACComparison {
        let iterations = scale.iterations(400_000)
        let symmetricKey = SymmetricKey(data: key)
        let keyedOnce = HMAC<Insecure.SHA1>(key: symmetricKey)
        let swiftCryptoKeyed = Measure.perIteration(runs: scale.runs, iterations: iterations) {
            var hmac = keyedOnce
            hmac.update(data: base)
            blackHole(hmac.finalize())
        }
        let swiftCryptoUnkeyed = Measure.perIteration(runs: scale.runs, iterations: iterations) {
            blackHole(HMAC<Insecure.SHA1>.authenticationCode(for: base, using: symmetricKey))
        }
        let keyed = KeyedHMACSHA1(key: key)
        var mac = [UInt8](repeating: 0, count: 20)
        let openSSL = base.withUnsafeBytes { message in
            mac.withUnsafeMutableBufferPointer { out in
                Measure.perIteration(runs: scale.runs, iterations: iterations) {
                    keyed.authenticationCode(for: message, into: out.baseAddress!)
                    blackHole(out[0])
                }
            }
        }
        let reference = Array(HMAC<Insecure.SHA1>.authenticationCode(for: base, using: symmetricKey))
        var agree = mac == reference

        // OpenSSL's HMAC API: a keyed HMAC_CTX copied into a second one made once (each copy
        // still duplicates the digest provider's contexts, a malloc and free each).
        var openSSLHMACCtx = Double.nan
        if let keyedContext = key.withUnsafeBytes({ keyflow_hmac_ctx_sha1_new($0.baseAddress, Int32($0.count)) }),
            let work = HMAC_CTX_new()
        {
            defer {
                HMAC_CTX_free(keyedContext)
                HMAC_CTX_free(work)
            }
            openSSLHMACCtx = base.withUnsafeBytes { message in
                mac.withUnsafeMutableBufferPointer { out in
                    Measure.perIteration(runs: scale.runs, iterations: iterations) {
                        _ = keyflow_hmac_ctx_sha1(
                            work, keyedContext, message.baseAddress, message.count, out.baseAddress!)
                        blackHole(out[0])
                    }
                }
            }
            agree = agree && mac == reference
        }
        // OpenSSL 3's MAC API: EVP_MAC_CTX_dup of a keyed context per MAC.
        var openSSLEVPMac = Double.nan
        if let keyedContext = key.withUnsafeBytes({ keyflow_evp_mac_sha1_new($0.baseAddress, $0.count) }) {
            defer { EVP_MAC_CTX_free(keyedContext) }
            openSSLEVPMac = base.withUnsafeBytes { message in
                mac.withUnsafeMutableBufferPointer { out in
                    Measure.perIteration(runs: scale.runs, iterations: iterations) {
                        _ = keyflow_evp_mac_sha1(keyedContext, message.baseAddress, message.count, out.baseAddress!)
                        blackHole(out[0])
                    }
                }
            }
            agree = agree && mac == reference
        }
        return HMACComparison(
            swiftCryptoKeyed: swiftCryptoKeyed, swiftCryptoUnkeyed: swiftCryptoUnkeyed, openSSL: openSSL,
            openSSLHMACCtx: openSSLHMACCtx, openSSLEVPMac: openSSLEVPMac, agree: agree)
    }

    /// The comparison as a row: OpenSSL's keyed copy against swift-crypto's.
    var row: ResultRow {
        let ratio = swiftCryptoKeyed / openSSL
        return ResultRow(
            suite: "sign", name: "HMAC-SHA1 keyed copy, OpenSSL", value: 1 / openSSL, unit: "/s",
            comparison: "swift-crypto \(Report.format(1 / swiftCryptoKeyed)) /s", ratio: agree ? ratio : nil,
            target: "signer uses the faster", met: agree ? ratio >= 1 : false,
            note: agree
                ? "ratio = swift-crypto time / OpenSSL time; \(Report.format(openSSL * 1e9)) ns vs \(Report.format(swiftCryptoKeyed * 1e9)) ns;"
                    + " OpenSSL HMAC_CTX_copy \(Report.format(openSSLHMACCtx * 1e9)) ns, EVP_MAC_CTX_dup \(Report.format(openSSLEVPMac * 1e9)) ns"
                : "NOT REPORTED: the HMAC implementations disagree")
    }
}
