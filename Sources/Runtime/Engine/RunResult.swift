import Foundation
import OAuthCore
import Vault

/// The result of a run: the APIOutput's value (or, without one, the last outputs) and what
/// each component did.
public struct RunResult: Sendable {
    /// The APIOutput's value, or the last outputs when the agent has no APIOutput.
    public let output: JSONValue
    /// What each component did.
    public let trace: [TraceEntry]
}
