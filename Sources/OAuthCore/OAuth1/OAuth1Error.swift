/// What can go wrong while signing an OAuth 1.0a request. Messages never contain secrets.
public enum OAuth1Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request URL cannot be parsed.
    case invalidURL(InvalidURLError)
    /// RSA-SHA1 was chosen without a usable private key.
    case invalidPrivateKey(String)
    /// RSA-SHA1 was chosen but no private key was given.
    case missingPrivateKey
    /// The crypto library refused to sign.
    case signingFailed(String)

    public var description: String {
        switch self {
        case .invalidURL(let error): return error.description
        case .invalidPrivateKey(let reason): return "invalid RSA private key: \(reason)"
        case .missingPrivateKey: return "RSA-SHA1 needs a private key (PEM)"
        case .signingFailed(let reason): return reason
        }
    }
}
