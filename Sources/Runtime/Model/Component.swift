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
    /// Where Studio drew it (`left`, `top`), nil when the file does not say: only for drawing.
    public var canvas: CanvasPosition? = nil

    /// `components[3]`.
    public var jsonPath: String { "components[\(position)]" }

    /// "CS002 “CoinGecko Search”", how messages name a component.
    public var label: String { title.isEmpty ? id : "\(id) “\(title)”" }

    /// The input port a connection's target index designates.
    public func input(_ reference: PortReference) -> Port? { Self.port(reference, in: inputs) }
    /// The output port a connection's source index designates.
    public func output(_ reference: PortReference) -> Port? { Self.port(reference, in: outputs) }

    static func port(_ reference: PortReference, in ports: [Port]) -> Port? {
        portPosition(reference, in: ports).map { ports[$0] }
    }

    /// Where in `ports` the port `reference` designates is.
    static func portPosition(_ reference: PortReference, in ports: [Port]) -> Int? {
        switch reference {
        case .index(let index):
            return ports.firstIndex { $0.index == index }
                ?? (ports.indices.contains(index) && ports.allSatisfy { $0.index == nil } ? index : nil)
        case .name(let name): return ports.firstIndex { $0.name == name }
        }
    }
}
