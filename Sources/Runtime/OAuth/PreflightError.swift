import OAuthCore
import Vault

/// The OAuth sections that did not resolve, each with its component and field.
public struct PreflightError: Error, Sendable, CustomStringConvertible {
    /// Each unresolved section, with its component and field.
    public let problems: [ValidationIssue]
    /// Set when a problem came from the vault's store being unreachable (the database
    /// restarting): the run may work if tried again, unlike the agent's own mistakes.
    public var storeUnavailable = false

    /// The problems of an agent's OAuth sections.
    public init(problems: [ValidationIssue], storeUnavailable: Bool = false) {
        self.problems = problems
        self.storeUnavailable = storeUnavailable
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
