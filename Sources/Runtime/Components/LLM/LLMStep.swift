/// SmythOS's LLM components: PromptGenerator (and its alias LLMPrompt), GenAILLM,
/// LLMAssistant, Classifier, VisionLLM and MultimodalLLM. Each renders its prompt as SRE does,
/// sends it to the model the team mapped the component's model name to (`ModelCall`), and
/// reads the answer as SRE does: JSON where the text holds some, custom outputs from its
/// fields, a Classifier's categories from the truthy ones. SRE's `Echo` test model answers
/// with the prompt, without calling anything. LLMAssistant continues its conversation
/// (`ConversationMemory`).
struct LLMStep: ComponentRunner {
    /// Which of the six a component is.
    enum Kind: Sendable {
        case prompt, genAI, assistant, classifier, vision, multimodal
    }

    static let kinds: [String: Kind] = [
        "PromptGenerator": .prompt, "LLMPrompt": .prompt, "GenAILLM": .genAI, "LLMAssistant": .assistant,
        "Classifier": .classifier, "VisionLLM": .vision, "MultimodalLLM": .multimodal,
    ]

    let kind: Kind
    let component: Component
    /// The settings, or why they are wrong: reported when the component runs, so a bad
    /// component behind another endpoint does not stop the agent from running.
    let settings: Result<LLMSettings, ComponentError>
    /// The agent's `behavior`, GenAILLM's system prompt with `useSystemPrompt`.
    let behavior: String
    /// The agent's id, which LLMAssistant's conversations are kept under.
    let agentID: String

    var mayWait: Bool { true }

    init(_ component: Component, kind: Kind, behavior: String, agentID: String = "") {
        self.kind = kind
        self.component = component
        self.behavior = behavior
        self.agentID = agentID
        do {
            settings = .success(try LLMSettings(component, promptField: kind == .assistant ? "behavior" : "prompt"))
        } catch let error as ComponentError {
            settings = .failure(error)
        } catch {
            settings = .failure(ComponentError(message: String(describing: error)))
        }
    }

    /// Whether the component names SRE's Echo test model (case aside, as Keyflow always read it).
    static func isEcho(_ component: Component) -> Bool {
        component.data["model"]?.stringValue?.lowercased() == "echo"
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        let settings = try settings.get()
        switch kind {
        case .prompt:
            let prompt = PromptTemplate.render(settings.prompt, inputs: inputs, context: context)
            return try await reply(
                to: [LLMMessage(role: .user, text: OutputFormat.enhance(prompt, for: component))], echo: prompt,
                settings: settings, context: context, defaultOutput: "Reply")
        case .genAI:
            let prompt = PromptTemplate.render(settings.prompt, inputs: inputs, context: context)
            let attachments = try attachmentParts(inputs)
            let json =
                settings.responseFormat == "json"
                || (settings.responseFormat == nil && !OutputFormat.customOutputs(of: component).isEmpty)
            var system = settings.useSystemPrompt ? behavior : ""
            if json { system += OutputFormat.jsonInstruction }
            var messages: [LLMMessage] = system.isEmpty ? [] : [LLMMessage(role: .system, text: system)]
            messages.append(
                LLMMessage(role: .user, content: [.text(OutputFormat.enhance(prompt, for: component))] + attachments))
            return try await reply(
                to: messages, echo: prompt, settings: settings, context: context, defaultOutput: "Reply",
                jsonResponse: json, stopIsAnError: true)
        case .assistant:
            return try await assist(inputs, settings: settings, context: context)
        case .classifier:
            return try await classify(inputs, settings: settings, context: context)
        case .vision, .multimodal:
            let prompt = PromptTemplate.render(settings.prompt, inputs: inputs, context: context)
            let input = kind == .vision ? "Images" : "Input"
            let images = try ImageInputs.parts(from: inputs[input], input: input)
            let message = LLMMessage(
                role: .user, content: [.text(OutputFormat.enhance(prompt, for: component))] + images)
            return try await reply(
                to: [message], echo: prompt, settings: settings, context: context, defaultOutput: "Reply")
        }
    }

    /// LLMAssistant: the conversation so far (when it is kept), the user's turn, the model's
    /// answer, and the conversation saved with both.
    private func assist(_ inputs: [String: JSONValue], settings: LLMSettings, context: RunContext) async throws
        -> [String: JSONValue]
    {
        let behavior = PromptTemplate.render(settings.prompt, inputs: inputs, context: context)
        let userInput = inputs["UserInput"].map(Template.text(of:)) ?? ""
        let user = LLMMessage(role: .user, text: OutputFormat.enhance(userInput, for: component))
        let memory = try ConversationMemory(inputs: inputs, component: component, agentID: agentID, context: context)
        // SRE's Echo answers with the first message, the behavior, and calls nothing: it keeps no conversation.
        guard let memory, !Self.isEcho(component) else {
            return try await reply(
                to: [LLMMessage(role: .system, text: behavior), user], echo: behavior, settings: settings,
                context: context, defaultOutput: "Response")
        }
        var messages = try await memory.history(behavior: behavior)
        messages.append(user)
        let answer = try await answer(
            to: messages, echo: behavior, settings: settings, context: context, defaultOutput: "Response")
        messages.append(LLMMessage(role: .assistant, text: answer.text))
        do { try await memory.save(messages) } catch {
            // The answer still flows; the run says that the next turn will not remember it.
            throw ComponentError(message: "the conversation could not be saved: \(error)", outputs: answer.outputs)
        }
        return answer.outputs
    }

    /// Asks the model (or Echo) and reads the answer into the default output and the custom ones.
    private func reply(
        to messages: [LLMMessage], echo: String, settings: LLMSettings, context: RunContext, defaultOutput: String,
        jsonResponse: Bool = false, stopIsAnError: Bool = false
    ) async throws -> [String: JSONValue] {
        try await answer(
            to: messages, echo: echo, settings: settings, context: context, defaultOutput: defaultOutput,
            jsonResponse: jsonResponse, stopIsAnError: stopIsAnError
        ).outputs
    }

    /// `reply`, with the answer's text as the model gave it.
    private func answer(
        to messages: [LLMMessage], echo: String, settings: LLMSettings, context: RunContext, defaultOutput: String,
        jsonResponse: Bool = false, stopIsAnError: Bool = false
    ) async throws -> (outputs: [String: JSONValue], text: String) {
        if Self.isEcho(component) {
            guard !echo.isEmpty else { throw ComponentError(message: "the model gave an empty response") }
            return (
                [defaultOutput: LenientJSON.parse(echo)],
                echo
            )
        }
        let outcome = try await ModelCall(context: context, model: settings.model).complete(
            request(messages, settings: settings, jsonResponse: jsonResponse))
        var outputs = [TraceEntry.llmKey: outcome.trace]
        let text = outcome.reply.text
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ComponentError(
                message:
                    "the model gave an empty response (finish reason \(outcome.reply.finishReason ?? "unknown")); a higher maxTokens may help",
                outputs: outputs)
        }
        let parsed = LenientJSON.parse(text)
        // A custom output (`number`) is the field of that name in the reply: the engine reads it
        // there, as it reads any other output inside a component's default one (`RunState`).
        outputs[defaultOutput] = parsed
        if stopIsAnError, let reason = outcome.reply.finishReason, Self.cutShort(reason) {
            // SRE's GenAILLM: a cut answer still flows on `Reply`, with the error beside it.
            throw ComponentError(
                message: "the model stopped before completing the response. Reason: \(reason)", outputs: outputs)
        }
        return (outputs, text)
    }

    /// Finish reasons that mean the answer is incomplete (OpenAI `length`, Anthropic `max_tokens`...).
    static func cutShort(_ reason: String) -> Bool {
        ["length", "max_tokens", "content_filter", "model_context_window_exceeded"].contains(reason)
    }

    private func request(_ messages: [LLMMessage], settings: LLMSettings, jsonResponse: Bool) -> LLMRequest {
        LLMRequest(
            model: settings.model, messages: messages, temperature: settings.temperature,
            maxTokens: settings.maxTokens, topP: settings.topP, stop: settings.stop, jsonResponse: jsonResponse)
    }

    /// GenAILLM's files: its inputs declared as Binary, Image, Audio or Video.
    private func attachmentParts(_ inputs: [String: JSONValue]) throws -> [LLMMessage.Part] {
        try component.inputs.filter { ["binary", "image", "audio", "video"].contains(($0.type ?? "").lowercased()) }
            .flatMap { try ImageInputs.parts(from: inputs[$0.name], input: $0.name) }
    }
}
