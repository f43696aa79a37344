/// An agent as SmythOS Studio writes it (`.smyth`): components joined by connections.
/// Everything the file holds is kept in `document`, so rewriting it loses nothing.
public struct Agent: Sendable {
    /// The agent's id, when the file has one.
    public var id: String?
    /// The agent's name, when the file has one.
    public var name: String?
    /// The components, in the file's order.
    public var components: [Component]
    /// The connections between components, in the file's order.
    public var links: [Link]
    /// Agent variables, usable in templates as `{{name}}`.
    public var variables: JSONObject
    /// The whole file as read (layout fields, unknown fields and all).
    public var document: JSONValue
    /// True when the file wraps the agent in `{"data": {...}}`.
    public var isWrapped: Bool
    /// Where the agent was read from, for messages.
    public var source: String

    /// The component with this id (the first one, should ids repeat).
    public func component(_ id: String) -> Component? {
        components.first { $0.id == id }
    }
}
