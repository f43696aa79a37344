/// A field of a model route, as the Vault names it: each layer maps it to its own words (a CLI
/// flag such as `--base-url`, a form label).
public enum ModelField: String, Sendable, CaseIterable {
    /// The name components use.
    case name
    /// `openai`, `anthropic` or `openai-compatible`.
    case provider
    /// Where the provider's API is.
    case baseURL
    /// The vault connection whose credential is sent.
    case connection
    /// The model id sent to the provider (`--as`).
    case upstreamModel
}

/// One thing wrong with a model route's input, tied to its field. The reason is a sentence
/// without its subject; `sentence(naming:)` puts the field's name (in the caller's words) first.
public struct ModelProblem: Error, Sendable, Equatable {
    /// The field the problem is about.
    public var field: ModelField
    /// What is wrong, in words (never a secret).
    public var reason: String

    /// A problem with `field`.
    public init(_ field: ModelField, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `FIELD: reason`, the field called by `naming`.
    public func sentence(naming name: (ModelField) -> String) -> String {
        "\(name(field)): \(reason)"
    }
}
