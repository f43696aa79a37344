import Runtime
import Testing
import Vault

/// What LLMAssistant sends of a stored conversation: its system prompt, then the newest turns
/// within 50 turns and 100,000 characters, from a user's turn on.
@Suite struct ConversationWindowTests {
    static let system = ConversationMessage(role: .system, content: String(repeating: "s", count: 200_000))

    /// `count` alternating turns, user first, each `size` characters long after its number.
    static func turns(_ count: Int, size: Int = 1) -> [ConversationMessage] {
        (0..<count).map {
            ConversationMessage(
                role: $0 % 2 == 0 ? .user : .assistant, content: "\($0)" + String(repeating: "x", count: size))
        }
    }

    @Test func theSystemPromptAndTheNewestFiftyTurnsAreKept() {
        let turns = Self.turns(60)
        #expect(ConversationMemory.window([Self.system] + turns) == [Self.system] + turns.suffix(50))
        #expect(ConversationMemory.window(Array(turns.prefix(4))) == Array(turns.prefix(4)))
        #expect(ConversationMemory.window([]).isEmpty)
    }

    @Test func turnsStopAtTheCharacterBudgetWhichTheSystemPromptDoesNotCount() {
        let turns = Self.turns(3, size: 45_000)
        // The newest two fit in 100,000 characters; with the third they would not. The window
        // then starts at the model's turn, which is left out too.
        #expect(ConversationMemory.window([Self.system] + turns) == [Self.system, turns[2]])
        let huge = Self.turns(1, size: ConversationMemory.maximumCharacters + 1)
        #expect(ConversationMemory.window([Self.system] + huge) == [Self.system])
    }

    @Test func theWindowNeverStartsWithTheModelsTurn() {
        let turns = Self.turns(51)  // user, assistant, …, user: the newest 50 start with the model's
        let window = ConversationMemory.window([Self.system] + turns)
        #expect(window.dropFirst().first?.role == .user)
        #expect(window == [Self.system] + turns.suffix(49))
    }
}
