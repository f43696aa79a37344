/// What SRE adds to a prompt so the model answers in a shape Keyflow can route: for a
/// component with custom outputs (SRE's `enhancePrompt`), the JSON object it should answer
/// with; for a JSON response, SRE's instruction in the system prompt.
enum OutputFormat {
    /// The outputs a reply is read into, besides the default one (`Reply`, `Response`).
    static func customOutputs(of component: Component) -> [Port] {
        component.outputs.filter { !$0.isDefault && !["_debug", "_error"].contains($0.name) && !$0.name.contains(".") }
    }

    /// The prompt with SRE's "Expected output format" suffix when the component has custom
    /// outputs; Classifier asks for `<Boolean|String>` values, the others for `<value>`.
    static func enhance(_ prompt: String, for component: Component) -> String {
        let outputs = customOutputs(of: component)
        guard !outputs.isEmpty, !prompt.isEmpty else { return prompt }
        let placeholder = component.type == "Classifier" ? "<Boolean|String>" : "<value>"
        let format = JSONObject(
            outputs.map { port in
                (
                    port.name,
                    JSONValue.string(placeholder + (port.description.map { $0.isEmpty ? "" : " (\($0))" } ?? ""))
                )
            })
        return prompt + "\n##\nExpected output format = " + JSONWriter.string(.object(format))
            + "\nThe output JSON should only use the entries from the output format."
    }

    /// SRE's `JSON_RESPONSE_INSTRUCTION`, sent in the system prompt when a JSON answer is wanted.
    static let jsonInstruction = """

        Respond ONLY with a valid, parsable JSON object. Follow these strict guidelines:
        1. The response must begin with '{' and end with '}'.
        2. Use double quotes for all keys and string values.
        3. Do not include any explanations, markdown, or text outside the JSON object.
        4. Do not use newlines or indentation within the JSON structure.
        5. For single-key responses, use the format: {"result": "your content here"}
        6. For multiple keys, use: {"key1": "value1", "key2": "value2", ...}

        Example of a valid response:
        {"result": "This is a valid JSON response without any extra text."}

        """
}
