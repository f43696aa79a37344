/// An input or output of a component.
public struct Port: Sendable, Equatable {
    /// The port's name, which connections and templates use.
    public var name: String
    /// The index SmythOS gave the port, which connections may refer to.
    public var index: Int?
    /// An optional input need not arrive for the component to run.
    public var optional: Bool
    /// SmythOS's flag for the ports a component type always has.
    public var isDefault: Bool
    /// The declared value type (`string`, `number`, `object`...), if any.
    public var type: String?
    /// A value used when nothing is connected (SmythOS `defaultVal`).
    public var defaultValue: JSONValue?
    /// What the port means, in words (a Classifier's category description).
    public var description: String? = nil
    /// Where an output reads its value when its name is not the path (SRE's `expression`:
    /// an endpoint's `first_name` output reads `body.first_name`).
    public var expression: String? = nil
}
