import Foundation

/// What a model name used by a team's LLM steps (`gpt-4o-mini`, `claude-3.5-haiku`, `llama3.1`)
/// resolves to: the provider that answers, where it is, and the vault connection whose
/// credential is sent with each request. One per team and name; `Vault.putModel` checks it.
public struct ModelRoute: Sendable, Equatable {
    /// The team whose steps use it.
    public var team: String
    /// The name components give as their model, matched exactly (after trimming).
    public var name: String
    /// Who answers.
    public var provider: LLMProvider
    /// Where the provider's API is, normalized: lower-case scheme and host, no default port,
    /// no trailing slash (`https://api.openai.com/v1`).
    public var baseURL: String
    /// The vault connection (of the same team) whose credential is sent to the provider; nil
    /// only for `openai-compatible` (a local model without a key).
    public var connection: String?
    /// The model id sent to the provider when it differs from `name` (`claude-3-5-haiku-latest`
    /// for `claude-3.5-haiku`); nil sends `name`.
    public var upstreamModel: String?
    /// When the name was first routed.
    public var createdAt: Date
    /// When the route last changed.
    public var updatedAt: Date

    /// A route with these fields, as they are (`Vault.putModel` is what validates).
    public init(
        team: String, name: String, provider: LLMProvider, baseURL: String, connection: String?,
        upstreamModel: String?, createdAt: Date, updatedAt: Date
    ) {
        self.team = team
        self.name = name
        self.provider = provider
        self.baseURL = baseURL
        self.connection = connection
        self.upstreamModel = upstreamModel
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The model id the provider gets: `upstreamModel`, else `name`.
    public var modelSentToProvider: String { upstreamModel ?? name }
}
