import Runtime

/// Template parsing and rendering in each context. Input: a context byte, then the template
/// text, a NUL, and a JSON object of values.
enum TemplateTarget {
    static let contexts: [Template.Context] = [.plain, .url, .json, .form, .text]
    static let fallbackValues: JSONValue = .object(
        JSONObject([
            ("a", .string("x y/../?#&=\"\\\n")), ("n", .number(12.5)),
            ("o", .object(JSONObject([("k", .array([.string("v"), .null]))]))),
        ]))

    static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let context = contexts[Int(first % UInt8(contexts.count))]
        let split = parts(bytes.dropFirst(), count: 2)
        let source = text(split[0])
        let values =
            (try? JSONParser.parse(Array(split[1]))).flatMap { $0.objectValue != nil ? $0 : nil } ?? fallbackValues

        func lookup(_ path: ValuePath) -> JSONValue? {
            guard let root = values[path.root] else { return nil }
            return ValuePath.follow(path.rest, in: root)
        }
        let secret = "s3cr\"et\r\n&=/?#%"

        if let template = try? Template(source) {
            // The parts spell the source again: nothing is lost or invented by parsing.
            let spelled = template.parts.map { part -> String in
                switch part {
                case .text(let text): return text
                case .value(_, let placeholder), .key(_, let placeholder): return placeholder
                }
            }.joined()
            require(spelled == source, "template parts do not spell the source")

            let rendered = try? template.render(context, value: lookup, key: { $0 == "MISSING" ? nil : secret })
            if let rendered {
                if template.isConstant { require(rendered == source, "a constant template rendered differently") }
                if context == .plain {
                    require(
                        !rendered.utf8.contains(0x0A) && !rendered.utf8.contains(0x0D),
                        "a plain (header) render has a line break")
                }
                // JSON: when the document is valid with bland values, it stays valid with any values.
                if context == .json,
                    let bland = try? template.render(.json, value: { _ in .string("x") }, key: { _ in "x" }),
                    (try? JSONParser.parse(bland)) != nil
                {
                    require(
                        (try? JSONParser.parse(rendered)) != nil, "JSON render with values is not JSON: \(rendered)")
                }
            }
        }

        // Fixed templates, fuzzed value: the value must come back out exactly.
        guard case .object(let object) = values, let value = object.first(where: { _ in true })?.value else { return }
        let plainValue = Template.text(of: value)
        let lookupFirst: (ValuePath) -> JSONValue? = { _ in value }
        if let json = try? Template(#"{"v": "{{v}}"}"#).render(.json, value: lookupFirst, key: { _ in nil }) {
            let decoded = (try? JSONParser.parse(json))?["v"]?.stringValue
            require(decoded == plainValue, "a value inside a JSON string did not survive: \(json)")
        }
        if let json = try? Template(#"{"v": {{v}}}"#).render(.json, value: lookupFirst, key: { _ in nil }) {
            let decoded = (try? JSONParser.parse(json))?["v"]
            require(decoded == value, "a value as a JSON value did not survive: \(json)")
        }
        if let form = try? Template("a=1&v={{v}}&b=2").render(.form, value: lookupFirst, key: { _ in nil }) {
            let decoded = FormEncodingTarget.decodePairs(form)
            require(
                decoded.count == 3 && decoded[1].name == "v" && decoded[1].value == plainValue,
                "a value in a form body did not survive: \(form)")
        }
        if let url = try? Template("https://api.example/q?v={{v}}&w=1").render(
            .url, value: lookupFirst, key: { _ in nil })
        {
            let query = url.split(separator: "?", maxSplits: 1).last.map(String.init) ?? ""
            let decoded = FormEncodingTarget.decodePairs(query)
            require(
                !url.contains("#") && decoded.count == 2 && decoded[0].value == plainValue,
                "a value in a URL query did not survive: \(url)")
        }
    }
}
