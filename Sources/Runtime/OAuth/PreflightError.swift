import OAuthCore
import Vault

/// The OAuth sections that did not resolve, each with its component and field.
public struct PreflightError: Error, Sendable, CustomStringConvertible {
    /// Each unresolved section, with its component and field.
    public let problems: [ValidationIssue]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
