import Foundation

/// SmythOS's lenient reading of JSON-looking text (its `JSONContent.tryParse`, which uses the
/// `jsonrepair` package): strict JSON first; text wrapped in `{}` or `[]` that does not parse
/// is repaired (unquoted keys, single quotes, trailing commas); otherwise the span from the
/// first `{` to the last `}` is tried. What still does not parse comes back as the text.
enum LenientJSON {
    static func parse(_ text: String) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Digits stay text, as in SmythOS: "123" is not JSON here.
        if trimmed.isEmpty || SafeNumbers.finite(trimmed) != nil { return .string(text) }
        if (trimmed.hasPrefix("{") && trimmed.hasSuffix("}")) || (trimmed.hasPrefix("[") && trimmed.hasSuffix("]")) {
            if let value = strictOrRepaired(trimmed) { return value }
        }
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else {
            return .string(text)
        }
        return strictOrRepaired(String(text[open...close])) ?? .string(text)
    }

    private static func strictOrRepaired(_ text: String) -> JSONValue? {
        if let value = try? JSONParser.parse(text) { return value }
        return try? JSONParser.parse(repair(text))
    }

    /// The repairs SmythOS's test agents need: keys without quotes, strings in single quotes,
    /// a comma before a closing bracket. Text inside double-quoted strings is left alone.
    static func repair(_ text: String) -> String {
        var out = ""
        var index = text.startIndex
        var expectingKey = false
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case "\"", "'":
                // A string: copied with double quotes, its inner double quotes escaped.
                let quote = character
                out.append("\"")
                index = text.index(after: index)
                while index < text.endIndex, text[index] != quote {
                    if text[index] == "\\", text.index(after: index) < text.endIndex {
                        out.append(text[index])
                        index = text.index(after: index)
                        out.append(text[index])
                    } else if text[index] == "\"" {
                        out.append("\\\"")
                    } else {
                        out.append(text[index])
                    }
                    index = text.index(after: index)
                }
                out.append("\"")
                if index < text.endIndex { index = text.index(after: index) }
                expectingKey = false
                continue
            case "{", ",":
                // A comma right before a closing bracket is dropped.
                if character == "," {
                    let next = text[text.index(after: index)...].first { !$0.isWhitespace }
                    if next == "}" || next == "]" {
                        index = text.index(after: index)
                        continue
                    }
                }
                out.append(character)
                expectingKey = true
            case _ where expectingKey && (character.isLetter || character == "_" || character == "$"):
                let name = text[index...].prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }
                let after = text[text.index(index, offsetBy: name.count)...].drop { $0.isWhitespace }
                if after.first == ":" {
                    out.append("\"\(name)\"")
                } else {
                    out.append(contentsOf: name)
                }
                index = text.index(index, offsetBy: name.count)
                expectingKey = false
                continue
            default:
                if !character.isWhitespace { expectingKey = false }
                out.append(character)
            }
            index = text.index(after: index)
        }
        return out
    }
}
