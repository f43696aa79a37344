/// What a successful answer's body says, read by the API's wire format; the client adds
/// the attempts and the waits to make an `LLMReply`.
struct LLMAnswer: Sendable, Equatable {
    var text: String
    var usage: LLMUsage?
    var finishReason: String?
    /// The model the answer names, when it names one.
    var model: String?

    /// A count of tokens as an `Int`: zero or more, clamped instead of trapping on a huge or
    /// fractional number; nil when the field is missing or not a number.
    static func tokens(_ value: JSONValue?) -> Int? {
        guard let number = value?.numberValue, number.isFinite else { return nil }
        return SafeNumbers.clamp(number, to: 0...Int.max)
    }

    /// The body parsed as a JSON object, or `badResponse` saying what it is instead.
    static func object(_ body: [UInt8]) throws(LLMError) -> JSONObject {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            throw .badResponse("the body is not JSON (\(error))")
        }
        guard let object = value.objectValue else { throw .badResponse("the body is \(value.typeName), not an object") }
        return object
    }
}
