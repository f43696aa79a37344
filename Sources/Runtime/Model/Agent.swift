/// An agent as SmythOS Studio writes it (`.smyth`): components joined by connections.
/// Everything the file holds is kept in `document`, so rewriting it loses nothing.
public struct Agent: Sendable {
    public var id: String?
    public var name: String?
    public var components: [Component]
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
    public var id: String
    /// The component type (`APICall`, `FHash`, ...), the `name` field in the file.
    public var type: String
    public var title: String
    public var inputs: [Port]
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
    public var name: String
    public var index: Int?
    /// An optional input need not arrive for the component to run.
    public var optional: Bool
    /// SmythOS's flag for the ports a component type always has.
    public var isDefault: Bool
    public var type: String?
    /// A value used when nothing is connected (SmythOS `defaultVal`).
    public var defaultValue: JSONValue?
}

/// A connection: an output of one component feeding an input of another.
public struct Link: Sendable, Equatable {
    public var sourceID: String
    public var source: PortReference
    public var targetID: String
    public var target: PortReference
    /// Its position in `connections`, for JSON paths in messages.
    public var position: Int
    public var jsonPath: String { "connections[\(position)]" }

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
