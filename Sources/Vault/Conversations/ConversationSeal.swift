import Foundation

/// A conversation holds what users said to an agent and what it answered, so it is sealed like
/// a run's data: a data key of its own, wrapped by the master key (and re-wrapped by
/// `rotate-key`), its messages bound to the team, the agent, the conversation key and the field.
public enum ConversationSeal {
    /// The longest conversation key (`conv-u…-c…`) and agent id kept.
    public static let maximumKeyLength = 500

    /// The most sealed bytes one conversation keeps (1 MB): older turns go first to fit.
    public static let maximumSealedBytes = 1_000_000

    /// What AES-GCM adds to the sealed JSON: a 12-byte nonce and a 16-byte tag.
    static let sealingOverhead = 28

    /// The owner name a conversation's data key and messages are bound to. The agent's length
    /// comes first, so agent `a:b` with key `c` and agent `a` with key `b:c` never share one.
    public static func owner(agent: String, key: String) -> String {
        "conversation:\(agent.utf8.count):\(agent):\(key)"
    }

    /// Why `name` (an agent id or a conversation key) cannot name a conversation, nil when it can.
    static func problem(_ name: String, _ what: String) -> String? {
        if name.isEmpty { return "the \(what) is empty" }
        if name.count > maximumKeyLength { return "the \(what) is over \(maximumKeyLength) characters" }
        return nil
    }

    /// `messages` as JSON, without their oldest turns (never the leading system message) while
    /// the sealed bytes would exceed `maximumSealedBytes`; nil when even the system message
    /// alone is too large.
    static func encodedWithinLimit(_ messages: [ConversationMessage]) -> Data? {
        var kept = messages[...]
        let first = kept.first?.role == .system ? 1 : 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        while true {
            guard let data = try? encoder.encode(Array(kept)) else { return nil }
            if data.count + sealingOverhead <= maximumSealedBytes { return data }
            guard kept.count > first else { return nil }
            kept.remove(at: kept.startIndex + first)
        }
    }
}
