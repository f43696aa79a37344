/// SmythOS's `TemplateString(...).parse(inputs)` as every LLM component renders its prompt:
/// `{{name}}` and `{{a.b[0]}}` take the input of that name, else the agent variable; a
/// placeholder nothing answers (or a null) stays as written (`{{ name }}` with spaces too);
/// objects go in as JSON, text with its double quotes escaped, as SRE escapes them. A vault
/// key (`{{KEY(NAME)}}`) is never rendered into a prompt: the provider would hold it.
enum PromptTemplate {
    static func render(_ text: String, inputs: [String: JSONValue], context: RunContext) -> String {
        guard let template = try? Template(text) else { return text }  // sent as it is, as SRE does
        var rendered = ""
        for part in template.parts {
            switch part {
            case .text(let piece): rendered += piece
            case .value(let path, let placeholder):
                guard let value = context.resolve(path, inputs: inputs), value != .null else {
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
                rendered += placeholder
            }
        }
        return rendered
    }
}
