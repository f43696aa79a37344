import Foundation
import OAuthCore

/// A text with `{{...}}` placeholders, parsed once: `{{name}}` (an input or agent variable),
/// `{{a.b[0]}}` (a path into one), `{{KEY(NAME)}}` (a vault key). Rendering never leaves a
/// placeholder empty: an unresolved one is an error that names it.
public struct Template: Sendable, Equatable {
    /// Where the rendered text goes, which decides how values are escaped.
    public enum Context: Sendable {
        /// As is; a line break is refused (it would split an HTTP header).
        case plain
        /// A URL: values are percent-encoded (RFC 3986 unreserved set kept; `/` kept in
        /// the path so a value can name a sub-path).
        case url
        /// A JSON document: inside a string literal a value is JSON-escaped; outside one it
        /// is written as JSON (numbers, objects, quoted strings).
        case json
        /// A form body or query string: every value percent-encoded.
        case form
        /// A text body (plain text, XML): values as they are, line breaks allowed.
        case text
    }

    /// A piece of a template.
    public enum Part: Sendable, Equatable {
        case text(String)
        case value(ValuePath, placeholder: String)
        case key(String, placeholder: String)
    }

    /// The pieces, in order.
    public let parts: [Part]
    /// The template as written.
    public let source: String

    /// Parses `text`. Malformed placeholders (`{{a..b}}`) are reported with the offending text.
    public init(_ text: String) throws(TemplateError) {
        source = text
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                parts.append(.text(String(rest[open.lowerBound...])))
                rest = rest[rest.endIndex...]
                break
            }
            let placeholder = String(rest[open.lowerBound..<close.upperBound])
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if inner.hasPrefix("KEY(") && inner.hasSuffix(")") {
                let name = inner.dropFirst(4).dropLast().trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw .malformed(placeholder) }
                parts.append(.key(name, placeholder: placeholder))
            } else if let path = ValuePath(inner) {
                parts.append(.value(path, placeholder: placeholder))
            } else {
                throw .malformed(placeholder)
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// True when the text has no placeholder.
    public var isConstant: Bool { !parts.contains { if case .text = $0 { false } else { true } } }

    /// The names placeholders start from (inputs or variables), for validation.
    public var referencedNames: [String] {
        parts.compactMap { if case .value(let path, _) = $0 { path.root } else { nil } }
    }

    /// The vault key names used.
    public var referencedKeys: [String] {
        parts.compactMap { if case .key(let name, _) = $0 { name } else { nil } }
    }

    /// Fills the placeholders. `value` resolves a path (inputs first, then variables);
    /// `key` resolves a vault key.
    public func render(_ context: Context, value: (ValuePath) -> JSONValue?, key: (String) throws -> String?) throws
        -> String
    {
        if isConstant {
            // A constant header value is checked too (the fuzzer found CR let through here).
            if context == .plain && Self.hasLineBreak(source) { throw TemplateError.lineBreakInHeader }
            return source
        }
        var out = ""
        var inString = false  // JSON context: are we inside a string literal of the template text?
        var inQuery = false  // URL context: past the `?`
        for part in parts {
            switch part {
            case .text(let text):
                out += text
                if context == .json { inString = Self.endsInsideString(text, startingInside: inString) }
                if context == .url && (text.contains("?") || text.contains("#")) { inQuery = true }
            case .value(let path, let placeholder):
                guard let resolved = value(path) else { throw TemplateError.unresolved(placeholder) }
                if context == .url && !Self.hasReachedPath(out) {
                    // A base URL (`{{api}}/v1/x`) goes in as it is; only an APICall with
                    // `allowedHosts` gets here, and it checks the host it rendered.
                    out += Self.text(of: resolved)
                } else {
                    if context == .url && !inQuery {
                        try Self.checkPathValue(Self.text(of: resolved), placeholder: placeholder)
                    }
                    out += Self.escape(resolved, context, inString: inString, inQuery: inQuery)
                }
            case .key(let name, let placeholder):
                guard let secret = try key(name) else { throw TemplateError.unknownKey(name, placeholder: placeholder) }
                if context == .url && !inQuery { try Self.checkPathValue(secret, placeholder: placeholder) }
                out += Self.escape(.string(secret), context, inString: inString, inQuery: inQuery)
            }
        }
        if context == .plain && Self.hasLineBreak(out) { throw TemplateError.lineBreakInHeader }
        return out
    }

    /// Whether `text` holds a CR or LF byte. By bytes, not Characters: an LF followed by a
    /// combining mark is one Character that is not "\n" (the fuzzer found one let through).
    static func hasLineBreak(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0A || $0 == 0x0D }
    }

    /// A value as text: strings as they are, other values as JSON.
    public static func text(of value: JSONValue) -> String {
        if case .string(let string) = value { return string }
        return JSONWriter.string(value)
    }

    static func escape(_ value: JSONValue, _ context: Context, inString: Bool, inQuery: Bool) -> String {
        switch context {
        case .plain:
            return text(of: value)
        case .url:
            let encoded = PercentEncoding.encode(text(of: value))
            return inQuery ? encoded : encoded.replacingOccurrences(of: "%2F", with: "/")
        case .form:
            return PercentEncoding.encode(text(of: value))
        case .text:
            return text(of: value)
        case .json:
            if inString {
                var quoted = ""
                JSONWriter.quote(text(of: value), into: &quoted)
                // By scalar: a quote and a combining mark can be one Character.
                return String(quoted.unicodeScalars.dropFirst().dropLast())
            }
            return JSONWriter.string(value)
        }
    }

    /// Refuses a value that would leave the path it is inserted into (see `URLTemplateRules`).
    static func checkPathValue(_ text: String, placeholder: String) throws(TemplateError) {
        if let problem = URLTemplateRules.pathValueProblem(text) {
            throw .unsafePathValue(placeholder, reason: problem)
        }
    }

    /// True once a URL has its scheme, host and the `/` that starts the path: placeholders
    /// before that point build the base URL and are not encoded.
    static func hasReachedPath(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        return url[scheme.upperBound...].contains("/") || url[scheme.upperBound...].contains("?")
    }

    /// Tracks JSON string literals across a run of template text.
    static func endsInsideString(_ text: String, startingInside: Bool) -> Bool {
        var inside = startingInside
        var escaped = false
        for character in text {
            if escaped { escaped = false; continue }
            if character == "\\" && inside { escaped = true; continue }
            if character == "\"" { inside.toggle() }
        }
        return inside
    }
}
