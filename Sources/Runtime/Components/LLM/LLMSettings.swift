/// The settings of an LLM component's `data`, as Studio writes them (numbers often as text:
/// `"1"`, `"256"`), checked against SRE's limits. Unlike SRE, which sends them only for
/// GenAILLM, Keyflow sends the sampling settings of every LLM component: a builder who set
/// a temperature or a token limit expects it to apply.
struct LLMSettings: Sendable {
    var model: String
    var prompt: String
    var temperature: Double?
    var maxTokens: Int?
    var topP: Double?
    var stop: [String]?
    /// `json`, `text`, or nil (GenAILLM: json when the component has custom outputs).
    var responseFormat: String?
    /// GenAILLM: the agent's behavior becomes the system prompt.
    var useSystemPrompt: Bool

    /// The largest `maxTokens` accepted: far above any model's, and far from trapping.
    static let maxTokensCeiling = 10_000_000

    /// Reads `component.data`; a value out of range is an error naming the field.
    init(_ component: Component, promptField: String = "prompt") throws {
        let data = component.data
        model = data["model"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !model.isEmpty else { throw ComponentError(message: "\(component.type): model is required") }
        guard model.count <= 200 else { throw ComponentError(message: "model: longer than 200 characters") }
        prompt = data[promptField].map(Template.text(of:)) ?? ""
        temperature = try Self.number(data, "temperature", in: 0...5)
        topP = try Self.number(data, "topP", in: 0...1)
        maxTokens = try Self.number(data, "maxTokens", in: 1...Double(Self.maxTokensCeiling)).map { Int($0.rounded()) }
        let stops = (data["stopSequences"]?.stringValue ?? "").split(whereSeparator: { $0 == "," || $0 == "\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        stop = stops.isEmpty ? nil : stops
        let format = data["responseFormat"]?.stringValue ?? ""
        guard ["", "json", "text"].contains(format) else {
            throw ComponentError(message: "responseFormat: must be json or text, not \"\(format)\"")
        }
        responseFormat = format.isEmpty ? nil : format
        useSystemPrompt = data["useSystemPrompt"]?.boolValue ?? (data["useSystemPrompt"]?.stringValue == "true")
    }

    /// A number or numeric text in `range`; nil when absent or empty (the provider's default).
    static func number(_ data: JSONObject, _ field: String, in range: ClosedRange<Double>) throws -> Double? {
        let number: Double
        switch data[field] {
        case nil, .null?: return nil
        case .number(let value)?: number = value
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return nil }
            guard let value = SafeNumbers.finite(trimmed) else {
                throw ComponentError(message: "\(field): \"\(text)\" is not a number")
            }
            number = value
        default:
            throw ComponentError(message: "\(field): not a number")
        }
        guard number.isFinite, range.contains(number) else {
            throw ComponentError(
                message:
                    "\(field): \(JSONWriter.number(number)) is outside \(JSONWriter.number(range.lowerBound))–\(JSONWriter.number(range.upperBound))"
            )
        }
        return number
    }
}
