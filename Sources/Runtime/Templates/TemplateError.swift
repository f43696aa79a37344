import Foundation
import OAuthCore

/// A template that cannot be rendered.
public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unresolved(String)
    case unknownKey(String, placeholder: String)
    case lineBreakInHeader
    /// A value for the URL path that would add a dot-segment, `?`, `#`, a backslash or `@`.
    case unsafePathValue(String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let placeholder):
            return "\(placeholder) is not a valid placeholder (expected {{name}}, {{a.b[0]}} or {{KEY(NAME)}})"
        case .unresolved(let placeholder): return "\(placeholder) matches no input or variable"
        case .unknownKey(let name, _):
            return "{{KEY(\(name))}}: the vault has no key \(name) (add it with keyflow vault keys set \(name))"
        case .lineBreakInHeader: return "a header value may not contain a line break"
        case .unsafePathValue(let placeholder, let reason):
            return "\(placeholder) cannot go into the URL path: \(reason)"
        }
    }
}
