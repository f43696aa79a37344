import Crypto
import CryptoExtras

/// An RSA private key for the RSA-SHA1 method: PKCS#1 v1.5 over a SHA-1 digest.
///
/// Keys of 1024 bits are accepted because OAuth 1.0a providers that use RSA-SHA1 (Jira,
/// Xero, old Google Apps) issued them for years; shorter keys are refused.
public struct OAuth1RSAKey: Sendable {
    let key: _RSA.Signing.PrivateKey

    /// Reads a PEM private key (`BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY`). The error
    /// never quotes the key.
    public init(pem: String) throws(OAuth1Error) {
        do {
            key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
        } catch {
            throw .invalidPrivateKey("it is not an unencrypted PEM RSA private key of at least 1024 bits")
        }
    }

    /// The key size, for display.
    public var bits: Int { key.keySizeInBits }

    func sign(_ message: [UInt8]) throws(OAuth1Error) -> [UInt8] {
        do {
            let signature = try key.signature(for: Insecure.SHA1.hash(data: message), padding: .insecurePKCS1v1_5)
            return Array(signature.rawRepresentation)
        } catch {
            throw .signingFailed("RSA-SHA1 signing failed")
        }
    }
}
