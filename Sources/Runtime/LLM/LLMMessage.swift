/// One message of a conversation sent to a model, in the terms both APIs share.
public struct LLMMessage: Sendable, Equatable, Hashable {
    /// Who speaks a message.
    public enum Role: String, Sendable, Equatable, Hashable {
        /// Instructions: OpenAI keeps them as `system` messages, Anthropic takes them out
        /// into the top-level `system` field.
        case system
        /// The person (or the agent) asking.
        case user
        /// The model, in an earlier turn.
        case assistant
    }

    /// One piece of a message's content.
    public enum Part: Sendable, Equatable, Hashable {
        /// Plain text.
        case text(String)
        /// An image sent inline: its media type (`image/png`) and its bytes in base64.
        case image(mediaType: String, base64: String)
        /// An image the provider fetches itself from this URL.
        case imageURL(String)

        /// Whether the part is an image, inline or by URL.
        var isImage: Bool { if case .text = self { false } else { true } }
    }

    /// Who speaks.
    public var role: Role
    /// What is said, in order.
    public var content: [Part]

    /// A message of `role` with the given parts.
    public init(role: Role, content: [Part]) {
        self.role = role
        self.content = content
    }

    /// A message of `role` with one text part.
    public init(role: Role, text: String) {
        self.init(role: role, content: [.text(text)])
    }

    /// The message's text parts, joined by `separator`.
    func text(separator: String) -> String {
        content.compactMap { part in if case .text(let text) = part { text } else { nil } }
            .joined(separator: separator)
    }

    /// Whether the message is one text part, which both APIs accept as a plain string.
    var singleText: String? {
        if content.count == 1, case .text(let text) = content[0] { return text }
        return nil
    }
}
