/// A field of a connection as the provider catalog names it (`tokenURL`, `clientID`, ...), plus
/// `name` and `kind`: the one name every layer maps to its own (a CLI flag, a JSON path, a form field).
public struct ConnectionField: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible
{
    /// The catalog field id, or `name` / `kind`.
    public let rawValue: String

    /// The field with this catalog id.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The field with this catalog id, written as a literal.
    public init(stringLiteral value: String) {
        rawValue = value
    }

    /// The catalog id.
    public var description: String { rawValue }

    /// The connection's name.
    public static let name: ConnectionField = "name"
    /// The connection's kind (a catalog kind id).
    public static let kind: ConnectionField = "kind"
    /// The OAuth scopes.
    public static let scopes: ConnectionField = "scopes"
    /// The API origins a credential may be sent to.
    public static let allowedHosts: ConnectionField = "allowedHosts"
    /// Whether PKCE is used.
    public static let pkce: ConnectionField = "pkce"
    /// Whether OAuth 1.0a requests carry `oauth_body_hash`.
    public static let bodyHash: ConnectionField = "bodyHash"
    /// The key of an API-key connection.
    public static let apiKey: ConnectionField = "apiKey"
}
