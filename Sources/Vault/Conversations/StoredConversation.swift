import Foundation

/// One conversation as the store keeps it (`llm_conversations`): the team's, for one agent and
/// one conversation key, its messages sealed under a data key of its own, wrapped by the master
/// key like a run's (`ConversationSeal`).
public struct StoredConversation: Sendable, Equatable {
    /// The team whose conversation it is; every query names it.
    public var team: String
    /// The agent's id.
    public var agent: String
    /// The conversation's key within the agent: `conv-u<UserId>-c<ConversationId>`.
    public var key: String
    /// The id of the master key that wraps `wrappedKey`.
    public var keyID: String
    /// The conversation's data key, wrapped by the master key; it seals `messages`.
    public var wrappedKey: Data
    /// Sealed JSON array of `ConversationMessage`.
    public var messages: Data
    /// When it expires (seconds since 1970); nil: kept until removed.
    public var expiresAt: Double?
    /// When it was last saved.
    public var updatedAt: Double

    /// A conversation row with these values.
    public init(
        team: String, agent: String, key: String, keyID: String, wrappedKey: Data, messages: Data,
        expiresAt: Double?, updatedAt: Double
    ) {
        self.team = team
        self.agent = agent
        self.key = key
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.messages = messages
        self.expiresAt = expiresAt
        self.updatedAt = updatedAt
    }

    /// Whether it has expired at `time`.
    public func isExpired(at time: Double) -> Bool {
        expiresAt.map { $0 <= time } ?? false
    }
}
