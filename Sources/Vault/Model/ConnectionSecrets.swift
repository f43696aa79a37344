/// The secret settings, sealed at rest.
public struct ConnectionSecrets: Sendable, Codable, Equatable {
    /// The OAuth 2.0 client secret.
    public var clientSecret: String?
    /// The OAuth 1.0a consumer secret (HMAC-SHA1, PLAINTEXT).
    public var consumerSecret: String?
    /// PEM, for RSA-SHA1.
    public var privateKey: String?
    /// The key of an API-key connection.
    public var apiKey: String?

    /// Secrets as given; nil means not set.
    public init(
        clientSecret: String? = nil, consumerSecret: String? = nil, privateKey: String? = nil, apiKey: String? = nil
    ) {
        self.clientSecret = clientSecret
        self.consumerSecret = consumerSecret
        self.privateKey = privateKey
        self.apiKey = apiKey
    }

    /// A copy without the secrets outside `fields`, for a change of kind.
    func keeping(_ fields: Set<String>) -> ConnectionSecrets {
        ConnectionSecrets(
            clientSecret: fields.contains("clientSecret") ? clientSecret : nil,
            consumerSecret: fields.contains("consumerSecret") ? consumerSecret : nil,
            privateKey: fields.contains("privateKey") ? privateKey : nil,
            apiKey: fields.contains("apiKey") ? apiKey : nil)
    }

    /// The secret of a catalog field id (`clientSecret`, `consumerSecret`, `privateKey`, `apiKey`), if set.
    public func value(of fieldID: String) -> String? {
        switch fieldID {
        case "clientSecret": return clientSecret
        case "consumerSecret": return consumerSecret
        case "privateKey": return privateKey
        case "apiKey": return apiKey
        default: return nil
        }
    }

    /// Every secret value, for redaction.
    public var all: [String] {
        [clientSecret, consumerSecret, privateKey, apiKey].compactMap { $0 }.filter { !$0.isEmpty }
    }
}
