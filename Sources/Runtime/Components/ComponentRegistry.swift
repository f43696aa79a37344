/// The component types this runtime runs, with the config each needs, and the ones it
/// knows but cannot run (listed by name and reason, never skipped silently).
public enum ComponentRegistry {
    /// What a supported type requires of its `data`.
    struct Spec {
        /// Config keys that must be present and non-empty.
        var required: [String] = []
        /// Config keys with a fixed set of values (an absent key takes the type's default).
        var enums: [String: [String]] = [:]
        /// Config keys holding templates, whose placeholders must resolve.
        var templated: [String] = []
    }

    static let specs: [String: Spec] = [
        "APIEndpoint": Spec(required: ["endpoint"], enums: ["method": ["GET", "POST", "get", "post", ""]]),
        "APIOutput": Spec(enums: ["format": ["full", "minimal", "raw"]]),
        "APICall": Spec(
            required: ["url"],
            enums: [
                "method": APICall.methods + APICall.methods.map { $0.lowercased() },
                "contentType": APICall.contentTypes,
            ],
            templated: ["url", "headers", "body"]),
        "JSONFilter": Spec(),
        "FHash": Spec(enums: ["algorithm": FHash.algorithms, "encoding": ["hex", "base64", "base64url", "latin1"]]),
        "FEncDec": Spec(enums: ["action": ["Encode", "Decode"], "encoding": ["hex", "base64", "base64url", "latin1"]]),
        "FSign": Spec(
            enums: [
                "signMethod": ["HMAC", "RSA"], "hashType": FSign.hashTypes,
                "encoding": ["hex", "base64", "base64url", "latin1", "utf8"],
                "dataTransform": ["Stringify", "Querystring", "None", ""],
                "RSA_padding": ["RSA_PKCS1_PADDING", "RSA_PKCS1_PSS_PADDING"],
            ],
            templated: ["key"]),
        "FTimestamp": Spec(),
        "FSleep": Spec(),
        "LogicAND": Spec(), "LogicOR": Spec(), "LogicXOR": Spec(),
        "LogicAtLeast": Spec(required: ["minSetInputs"]), "LogicAtMost": Spec(required: ["maxSetInputs"]),
        "ForEach": Spec(enums: ["format": ["full", "minimal", "results-array"]]),
        "Note": Spec(),
        "Async": Spec(), "Await": Spec(), "AgentPlugin": Spec(),
        // LLM steps: the model is resolved per team when the step runs (`ModelCall`).
        "PromptGenerator": Spec(required: ["model"]), "LLMPrompt": Spec(required: ["model"]),
        "GenAILLM": Spec(required: ["model"]), "LLMAssistant": Spec(required: ["model"]),
        "Classifier": Spec(required: ["model"]), "VisionLLM": Spec(required: ["model"]),
        "MultimodalLLM": Spec(required: ["model"]),
    ]

    /// SmythOS types this runtime knows and does not run, with why.
    public static let unsupported: [String: String] = {
        var reasons: [String: String] = [:]
        for type in [
            "ImageGenerator", "ImageGen", "TextToSpeech", "SpeechToText", "HuggingFace", "OpenAIAssistant",
        ] {
            reasons[type] =
                "it calls a model provider for images, speech or assistants, which Keyflow does not run (its text and vision LLM steps it does)"
        }
        for type in ["Code", "ServerlessCode", "ECMASandbox", "JavaScript"] {
            reasons[type] = "it runs user code, which needs a sandbox Keyflow does not have"
        }
        for type in [
            "WebSearch", "WebScrape", "TavilyWebSearch", "ScrapflyWebScrape", "DataSourceIndexer", "DataSourceLookup",
            "DataSourceCleaner", "FileStore", "MemoryWriteInput", "MemoryReadInput", "MemoryWriteKeyVal",
            "MemoryReadKeyVal",
            "MemoryDeleteKeyVal", "ZapierAction", "GPTPlugin", "ComputerUse", "MCPClient",
            "Redirect", "Sleep", "OpenAPI", "ZoomInfo", "Scheduler",
        ] {
            reasons[type] = "it depends on SmythOS platform services"
        }
        return reasons
    }()

    /// Why `component` cannot run, nil when it can. An LLM step runs only on SRE's `Echo` test
    /// model, which answers with the prompt and calls no provider.
    public static func unsupportedReason(_ component: Component) -> String? {
        unsupported[component.type]
    }

    /// Builds the runner of a supported component; `connectionID` is the vault connection an
    /// APICall's OAuth section resolved to; `behavior` and `agentID` are the agent's, for the LLM steps.
    static func runner(for component: Component, connectionID: String?, behavior: String = "", agentID: String = "")
        throws
        -> any ComponentRunner
    {
        switch component.type {
        case "APIEndpoint": return APIEndpoint(component)
        case "APIOutput": return APIOutput(component)
        case "APICall": return try APICall(component, connectionID: connectionID)
        case "JSONFilter": return JSONFilter(component)
        case "FHash": return try FHash(component)
        case "FEncDec": return try FEncDec(component)
        case "FSign": return try FSign(component)
        case "FTimestamp": return FTimestamp(component)
        case "FSleep": return FSleep(component)
        case "LogicAND", "LogicOR", "LogicXOR", "LogicAtLeast", "LogicAtMost": return Logic(component)
        case "ForEach": return ForEach(component)
        case "Note": return NoteComponent()
        case "Async": return AsyncStep()
        case _ where LLMStep.kinds[component.type] != nil:
            return LLMStep(
                component, kind: LLMStep.kinds[component.type] ?? .prompt, behavior: behavior, agentID: agentID)
        case "Await": return try AwaitStep(component)
        case "AgentPlugin": return try AgentPluginStep(component)
        default:
            // Validation refuses a run that can reach it; one that cannot never runs it.
            guard let reason = unsupportedReason(component) else {
                throw ComponentError(message: "\(component.type) is not supported")
            }
            return UnsupportedStep(type: component.type, reason: reason)
        }
    }
}

/// A component of a type Keyflow cannot run, behind an endpoint the run did not start from.
struct UnsupportedStep: ComponentRunner {
    let type: String
    let reason: String

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        throw ComponentError(message: "\(type) is not supported: \(reason)")
    }
}

/// Note: a comment on the canvas; it never runs.
struct NoteComponent: ComponentRunner {
    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] { [:] }
}

/// ForEach's list handling; the loop itself is run by the executor (`Run.loop`).
struct ForEach: ComponentRunner {
    init(_ component: Component) {}

    /// Input → items: an array as is, a JSON array string parsed, another string split on
    /// commas, an object's values, anything else alone.
    static func items(_ value: JSONValue?) -> [JSONValue] {
        switch value {
        case .array(let values)?: return values
        case .string(let text)?:
            if text.hasPrefix("["), let parsed = try? JSONParser.parse(text), let values = parsed.arrayValue {
                return values
            }
            return text.split(separator: ",", omittingEmptySubsequences: false).map { .string(String($0)) }
        case .object(let object)?: return object.map(\.value)
        case nil: return []
        case let value?: return [value]
        }
    }

    /// `full`: the entries as they are; `minimal`: each entry's result; `results-array`: the
    /// values of each result, flattened.
    static func format(_ entries: [JSONValue], as format: String) -> [JSONValue] {
        switch format {
        case "minimal":
            return entries.map { $0["result"] ?? $0 }
        case "results-array":
            func flatten(_ value: JSONValue) -> [JSONValue] {
                switch value {
                case .array(let values): return values.flatMap(flatten)
                case .object(let object): return object.flatMap { flatten($0.value) }
                default: return [value]
                }
            }
            return entries.flatMap { flatten($0["result"] ?? $0) }
        default:
            return entries
        }
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        ["Result": .array(Self.items(inputs["Input"]))]
    }
}
