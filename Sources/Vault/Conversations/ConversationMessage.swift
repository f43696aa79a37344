import Foundation

/// One turn of an LLMAssistant conversation as the vault keeps it: who spoke and what was said
/// (text only, as SmythOS keeps it). The conversation's first message is its system prompt.
public struct ConversationMessage: Sendable, Equatable, Codable {
    /// Who speaks a message.
    public enum Role: String, Sendable, Equatable, Codable {
        /// The instructions the conversation started with.
        case system
        /// The person (or the agent) asking.
        case user
        /// The model's answer.
        case assistant
    }

    /// Who spoke.
    public var role: Role
    /// What was said.
    public var content: String

    /// A message of `role` saying `content`.
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}
