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

/// One node of the graph.
public struct Component: Sendable {
    /// The component's id, unique in the agent.
    public var id: String
    /// The component type (`APICall`, `FHash`, ...), the `name` field in the file.
    public var type: String
    /// The title the builder gave, possibly empty.
    public var title: String
    /// The input ports, in the file's order.
    public var inputs: [Port]
    /// The output ports, in the file's order.
    public var outputs: [Port]
    /// The component's configuration.
    public var data: JSONObject
    /// Its position in `components`, for JSON paths in messages.
    public var position: Int

    /// `components[3]`.
    public var jsonPath: String { "components[\(position)]" }

    /// "CS002 “CoinGecko Search”", how messages name a component.
    public var label: String { title.isEmpty ? id : "\(id) “\(title)”" }

    /// The input port a connection's target index designates.
    public func input(_ reference: PortReference) -> Port? { Self.port(reference, in: inputs) }
    /// The output port a connection's source index designates.
    public func output(_ reference: PortReference) -> Port? { Self.port(reference, in: outputs) }

    static func port(_ reference: PortReference, in ports: [Port]) -> Port? {
        switch reference {
        case .index(let index): return ports.first { $0.index == index } ?? (ports.indices.contains(index) && ports.allSatisfy { $0.index == nil } ? ports[index] : nil)
        case .name(let name): return ports.first { $0.name == name }
        }
    }
}

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
}

/// A connection: an output of one component feeding an input of another.
public struct Link: Sendable, Equatable {
    /// The id of the component the value comes from.
    public var sourceID: String
    /// The output of the source component.
    public var source: PortReference
    /// The id of the component the value goes to.
    public var targetID: String
    /// The input of the target component.
    public var target: PortReference
    /// Its position in `connections`, for JSON paths in messages.
    public var position: Int
    /// `connections[2]`.
    public var jsonPath: String { "connections[\(position)]" }

    /// A connection from an output of `sourceID` to an input of `targetID`.
    public init(sourceID: String, source: PortReference, targetID: String, target: PortReference, position: Int) {
        self.sourceID = sourceID
        self.source = source
        self.targetID = targetID
        self.target = target
        self.position = position
    }
}

/// A port named by its index or by its name; files use both.
public enum PortReference: Sendable, Equatable, CustomStringConvertible {
    case index(Int)
    case name(String)

    public var description: String {
        switch self {
        case .index(let index): return "#\(index)"
        case .name(let name): return "\"\(name)\""
        }
    }
}
