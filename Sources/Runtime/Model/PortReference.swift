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
