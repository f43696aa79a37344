/// PromptGenerator (and its alias LLMPrompt) on SRE's `Echo` test model: the model answers
/// with the prompt itself, so the step renders its `prompt` with the inputs and gives the
/// answer as `Reply`, read as JSON where it holds some (SRE's `postProcess`). No provider is
/// called. Other models are LLM steps, which Keyflow does not run yet.
struct PromptStep: ComponentRunner {
    static let types: Set<String> = ["PromptGenerator", "LLMPrompt"]
    let prompt: Template?
    let text: String

    static func isEcho(_ component: Component) -> Bool {
        component.data["model"]?.stringValue?.lowercased() == "echo"
    }

    init(_ component: Component) throws {
        text = component.data["prompt"].map(Template.text(of:)) ?? ""
        // A prompt that is not a well-formed template is sent as it is, as SRE does.
        prompt = try? Template(text)
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        var rendered = ""
        for part in prompt?.parts ?? [.text(text)] {
            switch part {
            case .text(let piece): rendered += piece
            case .value(let path, let placeholder):
                // SRE's TemplateString: inputs only; a placeholder nothing answers stays as it is;
                // objects as JSON, text with its double quotes escaped.
                guard let value = inputs[path.root].flatMap({ ValuePath.follow(path.rest, in: $0) }), value != .null
                else {
                    rendered += placeholder
                    continue
                }
                switch value {
                case .string(let string):
                    rendered += string.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(
                        of: "\"", with: "\\\"")
                case .object, .array: rendered += JSONWriter.string(value)
                default: rendered += Template.text(of: value)
                }
            case .key(_, let placeholder):
                // A prompt never carries a vault key: the model (and here the reply) would hold it.
                rendered += placeholder
            }
        }
        return ["Reply": LenientJSON.parse(rendered)]
    }
}
