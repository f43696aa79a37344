import Foundation
import Runtime

/// Stable, ordered JSON for `--json` output: keys come out in the order the command lists
/// them, so scripts and diffs see the same text every time.
indirect enum JSONOutput: CustomStringConvertible {
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case null
    case array([JSONOutput])
    case object([(String, JSONOutput)])

    var description: String { render(indent: 0) }

    private func render(indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch self {
        case .string(let value): return Self.quote(value)
        case .number(let value): return value.isFinite ? String(value) : "null"
        case .integer(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let values):
            if values.isEmpty { return "[]" }
            return "[\n" + values.map { pad + $0.render(indent: indent + 1) }.joined(separator: ",\n")
                + "\n\(closePad)]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n"
                + pairs.map { pad + Self.quote($0.0) + ": " + $0.1.render(indent: indent + 1) }.joined(separator: ",\n")
                + "\n\(closePad)}"
        }
    }

    static func quote(_ string: String) -> String {
        var out = ""
        JSONWriter.quote(string, into: &out)
        return out
    }

}
