/// SmythOS's Classifier: its categories are its outputs (name, and description in words); the
/// prompt is SRE's (the instruction, the inputs as JSON with braces and quotes escaped, then
/// the categories), and only the categories the model sets to a truthy value fire. None
/// firing is not an error, as in SRE.
extension LLMStep {
    func classify(_ inputs: [String: JSONValue], settings: LLMSettings, context: RunContext) async throws
        -> [String: JSONValue]
    {
        let categories = component.outputs.filter { !["_debug", "_error"].contains($0.name) }
        guard !categories.isEmpty else {
            throw ComponentError(message: "Missing information, Cannot run classifier: it has no categories (outputs)")
        }
        let escapedInputs = JSONObject(
            inputs.sorted { $0.key < $1.key }.map { name, value in
                let text: String
                switch value {
                case .string(let string): text = string
                default: text = JSONWriter.string(value)
                }
                return (name, JSONValue.string(Self.escape(text)))
            })
        let categoryList = JSONObject(categories.map { ($0.name, JSONValue.string($0.description ?? "")) })
        let template =
            settings.prompt + "\n" + JSONWriter.string(.object(escapedInputs), pretty: true) + "\n\n---\nCategories: \n"
            + JSONWriter.string(.object(categoryList), pretty: true)
        let prompt = PromptTemplate.render(template, inputs: inputs, context: context)
        var outputs: [String: JSONValue] = [:]
        let answer: JSONValue
        if Self.isEcho(component) {
            answer = LenientJSON.parse(prompt)
        } else {
            let outcome = try await ModelCall(context: context, model: settings.model).complete(
                LLMRequest(
                    model: settings.model,
                    messages: [LLMMessage(role: .user, text: OutputFormat.enhance(prompt, for: component))],
                    temperature: settings.temperature, maxTokens: settings.maxTokens, topP: settings.topP,
                    stop: settings.stop))
            outputs[TraceEntry.llmKey] = outcome.trace
            answer = LenientJSON.parse(outcome.reply.text)
        }
        guard case .object(let chosen) = answer else {
            throw ComponentError(
                message: "the model did not answer with a JSON object of categories", outputs: outputs)
        }
        for (name, value) in chosen {
            guard Self.isTruthy(value) else { continue }
            if case .string(let text) = value {
                let unescaped = Self.unescape(text)
                let parsed = LenientJSON.parse(unescaped)
                if case .object = parsed {
                    outputs[name] = parsed
                } else if case .array = parsed {
                    outputs[name] = parsed
                } else {
                    outputs[name] = .string(unescaped)
                }
            } else {
                outputs[name] = value
            }
        }
        if let error = outputs.removeValue(forKey: "error") {
            throw ComponentError(
                message: "the model answered with an error: \(Template.text(of: error))", outputs: outputs)
        }
        return outputs
    }

    /// SRE's `escapeJSONString`: the inputs cannot break out of the JSON the prompt holds.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "{", with: "<[<(").replacingOccurrences(of: "}", with: ")>]>")
            .replacingOccurrences(of: "\"", with: "`")
    }

    /// The inverse, for a category's value.
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "<[<(", with: "{").replacingOccurrences(of: ")>]>", with: "}")
            .replacingOccurrences(of: "`", with: "\"")
    }

    /// JavaScript's truthiness, which decides the categories that fire.
    static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .number(let number): return number != 0 && !number.isNaN
        case .string(let text): return !text.isEmpty
        case .array, .object: return true
        }
    }
}
