/// A setting a kind may ask for: how to label it, whether it is secret, its CLI flag.
public struct ProviderField: Sendable, Codable, Equatable, Identifiable {
    /// How a field's value is read and shown.
    public enum ValueType: String, Sendable, Codable { case string, url, list, bool, `enum`, file }
    /// The id used in `requiredFields` and in stored settings (`clientID`, `tokenURL`...).
    public var id: String
    /// The label of the field in forms.
    public var label: String
    /// The `keyflow vault add` flag, without dashes.
    public var flag: String
    /// Secrets are sealed at rest and masked on output.
    public var secret: Bool
    /// How the field's value is read and shown.
    public var type: ValueType
    /// Allowed values for `enum` fields.
    public var values: [String]?
}
