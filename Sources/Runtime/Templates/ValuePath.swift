import Foundation

/// A path into a JSON value: `a.b[0].c`, as templates and path outputs
/// (`Response.items[0].id`) spell them.
public struct ValuePath: Sendable, Equatable, CustomStringConvertible {
    /// One step of a path.
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// The steps, in order.
    public let steps: [Step]

    /// Parses `name`, `a.b`, `a[0]`, `a.b[2].c`, `a["key with spaces"]`; nil when malformed.
    public init?(_ text: String) {
        var steps: [Step] = []
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.hasPrefix("."), !trimmed.hasSuffix("."), !trimmed.contains(".."), !trimmed.contains(".["),
            !trimmed.contains("{"), !trimmed.contains("}")
        else { return nil }
        let characters = Array(trimmed)
        var current = ""
        var index = 0
        func flush() -> Bool {
            guard !current.isEmpty else { return false }
            steps.append(.key(current))
            current = ""
            return true
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case ".":
                if !current.isEmpty {
                    _ = flush()
                } else if steps.isEmpty || index + 1 >= characters.count {
                    return nil
                }
                index += 1
            case "[":
                if !current.isEmpty { _ = flush() }
                guard let close = characters[index...].firstIndex(of: "]") else { return nil }
                var inner = String(characters[(index + 1)..<close]).trimmingCharacters(in: .whitespaces)
                if let number = Int(inner), number >= 0 {
                    steps.append(.index(number))
                } else if inner.count >= 2, let first = inner.first, first == inner.last, first == "\"" || first == "'"
                {
                    inner.removeFirst()
                    inner.removeLast()
                    steps.append(.key(inner))
                } else {
                    return nil
                }
                index = close + 1
            default:
                current.append(character)
                index += 1
            }
        }
        if !current.isEmpty { steps.append(.key(current)) }
        guard !steps.isEmpty, case .key = steps[0] else { return nil }
        self.steps = steps
    }

    /// A path of the given steps.
    public init(steps: [Step]) { self.steps = steps }

    /// The first key: the input or variable the path starts from.
    public var root: String {
        if case .key(let key) = steps.first { return key }
        return ""
    }

    /// The steps after the root.
    public var rest: ArraySlice<Step> { steps.dropFirst() }

    public var description: String {
        steps.enumerated().map { offset, step in
            switch step {
            case .key(let key): return offset == 0 ? key : ".\(key)"
            case .index(let index): return "[\(index)]"
            }
        }.joined()
    }

    /// Follows `steps` into `value`; nil when a step does not exist. A string holding JSON
    /// is parsed on the way, as SmythOS does for responses kept as text.
    public static func follow(_ steps: ArraySlice<Step>, in value: JSONValue) -> JSONValue? {
        var current = value
        for step in steps {
            if case .string(let text) = current, let parsed = try? JSONParser.parse(text),
                parsed.objectValue != nil || parsed.arrayValue != nil
            {
                current = parsed
            }
            switch (step, current) {
            case (.key(let key), .object(let object)):
                guard let next = object[key] else { return nil }
                current = next
            case (.index(let index), .array(let array)):
                guard array.indices.contains(index) else { return nil }
                current = array[index]
            case (.key(let key), .array(let array)):
                if key == "length" {
                    current = .number(Double(array.count))
                } else if let index = Int(key), array.indices.contains(index) {
                    current = array[index]
                } else {
                    return nil
                }
            default:
                return nil
            }
        }
        return current
    }
}
