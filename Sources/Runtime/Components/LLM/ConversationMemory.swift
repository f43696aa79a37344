import Vault

/// LLMAssistant's memory, as SmythOS keeps it: the messages of one conversation, keyed by the
/// agent's id and `conv-u<UserId>-c<ConversationId>`, read before the model is asked and saved
/// after it answered, for `data.ttl` seconds (kept until removed without one). Keyflow keeps
/// them in the team's vault (`Vault.conversation`), sealed and shared by every node, not in one
/// process's memory. Once saved, the stored system prompt is the one sent, even if the
/// component's behavior changed since: what SmythOS does.
package struct ConversationMemory {
    /// The most turns (after the system prompt) sent from the history: the newest.
    package static let maximumTurns = 50
    /// The most characters of turns sent from the history. SmythOS counts tokens against half
    /// the model's completion limit; Keyflow knows no tokenizer, so it counts characters.
    package static let maximumCharacters = 100_000
    /// The longest `ttl`: a year, in seconds.
    static let maximumTTL = 31_536_000.0

    let vault: Vault
    let agent: String
    let key: String
    let ttl: Duration?

    /// The memory of this run's conversation; nil when it keeps none: both UserId and
    /// ConversationId empty (as in SmythOS), no vault open, or a runner built outside an agent.
    /// A `ttl` that is not a number of seconds in 1…31,536,000 is an error naming it.
    init?(inputs: [String: JSONValue], component: Component, agentID: String, context: RunContext) throws {
        let ttl = try LLMSettings.number(component.data, "ttl", in: 1...Self.maximumTTL)
        let userID = Self.text(inputs["UserId"])
        let conversationID = Self.text(inputs["ConversationId"])
        guard !userID.isEmpty || !conversationID.isEmpty, !agentID.isEmpty, let vault = context.broker?.vault else {
            return nil
        }
        self.vault = vault
        agent = agentID
        key = "conv-u\(userID)-c\(conversationID)"
        self.ttl = ttl.map { Duration.seconds($0) }
    }

    /// The history to continue: the stored messages (their system prompt first, the newest turns
    /// within the limits), or only `behavior` as the system prompt when nothing is stored.
    func history(behavior: String) async throws -> [LLMMessage] {
        let stored: [ConversationMessage]?
        do { stored = try await vault.conversation(agent: agent, key: key) } catch {
            throw ComponentError(message: "the conversation could not be read: \(error)")
        }
        var messages = Self.window(stored ?? [])
        if messages.first?.role != .system {
            messages.insert(ConversationMessage(role: .system, content: behavior), at: 0)
        }
        return messages.map { LLMMessage(role: Self.role($0.role), text: $0.content) }
    }

    /// Saves `messages` (text only) as the conversation, for `ttl`.
    func save(_ messages: [LLMMessage]) async throws(VaultError) {
        let kept = messages.map { message in
            ConversationMessage(
                role: Self.role(message.role),
                content: message.content.compactMap { part -> String? in
                    if case .text(let text) = part { return text }
                    return nil
                }.joined())
        }
        try await vault.saveConversation(agent: agent, key: key, messages: kept, ttl: ttl)
    }

    /// The leading system message, then the newest turns while they fit both limits, from a
    /// user's turn on (Anthropic refuses a conversation whose first turn is the model's).
    package static func window(_ messages: [ConversationMessage]) -> [ConversationMessage] {
        let system = messages.first?.role == .system ? messages.first : nil
        var turns: [ConversationMessage] = []
        var characters = 0
        for message in messages.dropFirst(system == nil ? 0 : 1).reversed() {
            characters += message.content.count
            guard turns.count < maximumTurns, characters <= maximumCharacters else { break }
            turns.append(message)
        }
        let kept = turns.reversed().drop { $0.role != .user }
        return (system.map { [$0] } ?? []) + kept
    }

    /// An input as text; absent and null are empty.
    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case let value?: return Template.text(of: value)
        }
    }

    private static func role(_ role: ConversationMessage.Role) -> LLMMessage.Role {
        switch role {
        case .system: return .system
        case .user: return .user
        case .assistant: return .assistant
        }
    }

    private static func role(_ role: LLMMessage.Role) -> ConversationMessage.Role {
        switch role {
        case .system: return .system
        case .user: return .user
        case .assistant: return .assistant
        }
    }
}
