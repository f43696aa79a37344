import Crypto
import Foundation

/// The Standard Webhooks signature (standardwebhooks.com, spec v1): HMAC-SHA256 over
/// `{webhook-id}.{webhook-timestamp}.{body}`, sent as `webhook-signature: v1,<base64>`.
public struct WebhookSignature: Sendable {
    private let key: SymmetricKey

    /// Why a secret is refused.
    public struct InvalidSecret: Error, CustomStringConvertible, Sendable {
        /// What is wrong (never the secret).
        public let description: String
    }

    /// The key of `secret`: a `whsec_<base64>` secret (the spec's form, which the reference
    /// libraries expect) is the decoded bytes; any other text is its UTF-8 bytes.
    public init(secret: String) throws(InvalidSecret) {
        let bytes: Data
        if secret.hasPrefix("whsec_") {
            var encoded = String(secret.dropFirst("whsec_".count))
            while encoded.count % 4 != 0 { encoded += "=" }
            guard let decoded = Data(base64Encoded: encoded) else {
                throw InvalidSecret(description: "a secret starting with whsec_ must be base64 after the prefix")
            }
            bytes = decoded
        } else {
            bytes = Data(secret.utf8)
        }
        guard bytes.count >= 16 else {
            throw InvalidSecret(description: "the webhook secret must be at least 16 bytes (24 recommended)")
        }
        key = SymmetricKey(data: bytes)
    }

    /// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
    public func sign(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }
}
