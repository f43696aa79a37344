/// What a user gives when adding or editing a connection (CLI flags, a web form, an Add New
/// section), each read by `ConnectionInputDecoder`. Field ids are those of the provider
/// catalog; nil means "not given".
public struct ConnectionInput: Sendable, Equatable {
    /// Text fields by catalog id: `clientID`, `clientSecret`, `tokenURL`, `privateKey` (PEM)...
    public var text: [String: String] = [:]
    /// The scopes, replacing the kind's defaults when given.
    public var scopes: [String]?
    /// The hosts (origins) the credential may be sent to, replacing the kind's defaults when given.
    public var allowedHosts: [String]?
    /// Whether to use PKCE (custom OAuth 2.0 kinds).
    public var pkce: Bool?
    /// Whether OAuth 1.0a signs non-form bodies with `oauth_body_hash`.
    public var bodyHash: Bool?

    /// An input with these fields; anything nil is not given.
    public init(
        text: [String: String] = [:], scopes: [String]? = nil, allowedHosts: [String]? = nil, pkce: Bool? = nil,
        bodyHash: Bool? = nil
    ) {
        self.text = text
        self.scopes = scopes
        self.allowedHosts = allowedHosts
        self.pkce = pkce
        self.bodyHash = bodyHash
    }

    /// The catalog ids of every field given.
    public var givenFields: Set<String> {
        var fields = Set(text.keys)
        if scopes != nil { fields.insert("scopes") }
        if allowedHosts != nil { fields.insert("allowedHosts") }
        if pkce != nil { fields.insert("pkce") }
        if bodyHash != nil { fields.insert("bodyHash") }
        return fields
    }

    /// Whether no field is given at all.
    public var isEmpty: Bool { givenFields.isEmpty }
}
