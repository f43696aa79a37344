/// Checks an agent before it runs and reports every problem at once, each with the
/// component's id and title and the JSON path of the field.
public enum AgentValidator {
    /// Every problem of `agent`; empty when it can run.
    public static func validate(_ agent: Agent) -> [ValidationIssue] {
        validate(agent, considering: nil)
    }

    /// The problems that stop a run from `endpoint` (its name or id; nil for the agent's only
    /// one): every problem, except that a component of a type Keyflow cannot run matters only
    /// when the run can reach it. An agent with an LLM step behind one endpoint still runs
    /// from its others.
    public static func validate(_ agent: Agent, forRunFrom endpoint: String?) -> [ValidationIssue] {
        let endpoints = agent.components.filter { $0.type == "APIEndpoint" }
        let start =
            endpoint.map { name in endpoints.first { $0.data["endpoint"]?.stringValue == name || $0.id == name } }
            ?? (endpoints.count == 1 ? endpoints.first : nil)
        guard let start else { return validate(agent, considering: nil) }
        var outgoing: [String: [String]] = [:]
        for link in agent.links { outgoing[link.sourceID, default: []].append(link.targetID) }
        var reached = Set<String>()
        var queue = [start.id]
        while let next = queue.popLast() {
            guard reached.insert(next).inserted else { continue }
            queue += outgoing[next] ?? []
        }
        return validate(agent, considering: reached)
    }

    /// `considering`: the components whose type must be runnable (nil: all of them).
    private static func validate(_ agent: Agent, considering reached: Set<String>?) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let prefix = agent.isWrapped ? "data." : ""
        func issue(_ component: Component?, _ path: String, _ message: String, unsupported: Bool = false) {
            issues.append(
                ValidationIssue(
                    isUnsupported: unsupported, componentID: component?.id, title: component?.title,
                    path: prefix + path, message: message))
        }

        // Duplicate ids: every later holder of an id is reported.
        // (Positions, not copies of the components: this runs for every component of every agent.)
        var firstByID: [String: Int] = [:]
        firstByID.reserveCapacity(agent.components.count)
        for (position, component) in agent.components.enumerated() {
            if let first = firstByID[component.id] {
                issue(
                    component, "\(component.jsonPath).id",
                    "duplicate id: \(agent.components[first].jsonPath) has the same id")
            } else {
                firstByID[component.id] = position
            }
        }
        func componentWithID(_ id: String) -> Component? { firstByID[id].map { agent.components[$0] } }

        // Types and configuration. A type that cannot run is reported once, at its first
        // component, naming the others of that type.
        var unsupportedSeen = Set<String>()
        for component in agent.components {
            if let reason = ComponentRegistry.unsupportedReason(component) {
                if reached?.contains(component.id) ?? true, unsupportedSeen.insert(component.type).inserted {
                    let others = agent.components.filter {
                        $0.type == component.type && $0.id != component.id
                            && ComponentRegistry.unsupportedReason($0) != nil
                            && reached?.contains($0.id) ?? true
                    }
                    let also = others.isEmpty ? "" : " (also \(others.map(\.id).joined(separator: ", ")))"
                    issue(
                        component, "\(component.jsonPath).name",
                        "\(component.type) is not supported: \(reason)\(also)", unsupported: true)
                }
                continue
            }
            guard let spec = ComponentRegistry.specs[component.type] else {
                issue(component, "\(component.jsonPath).name", "unknown component type \"\(component.type)\"")
                continue
            }
            for key in spec.required {
                let value = component.data[key]
                if value == nil || value == .null || value == .string("") {
                    issue(component, "\(component.jsonPath).data.\(key)", "required setting is missing")
                }
            }
            for (key, allowed) in spec.enums.sorted(by: { $0.key < $1.key }) {
                guard let value = component.data[key], value != .null else { continue }
                let text = Template.text(of: value)
                if !allowed.contains(text) {
                    var seen = Set<String>()
                    let shown = allowed.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
                    issue(
                        component, "\(component.jsonPath).data.\(key)",
                        "\"\(text)\" is not one of \(shown.joined(separator: ", "))")
                }
            }
            checkTemplates(component, spec: spec, agent: agent, report: issue)
            checkSpecifics(component, report: issue)
        }

        // Connections.
        // (Positions again: a component is copied only for a message.)
        for link in agent.links {
            let path = link.jsonPath
            let source = firstByID[link.sourceID]
            let target = firstByID[link.targetID]
            if source == nil { issue(nil, "\(path).sourceId", "no component has id \"\(link.sourceID)\"") }
            if target == nil { issue(nil, "\(path).targetId", "no component has id \"\(link.targetID)\"") }
            if let source, Component.portPosition(link.source, in: agent.components[source].outputs) == nil {
                let source = agent.components[source]
                issue(
                    source, "\(path).sourceIndex",
                    "\(source.label) has no output \(link.source) (its outputs: \(source.outputs.map(\.name).joined(separator: ", ")))"
                )
            }
            if let target, Component.portPosition(link.target, in: agent.components[target].inputs) == nil {
                let target = agent.components[target]
                issue(
                    target, "\(path).targetIndex",
                    "\(target.label) has no input \(link.target) (its inputs: \(target.inputs.map(\.name).joined(separator: ", ")))"
                )
            }
        }

        for cycle in Cycles.find(in: agent, components: firstByID) {
            let first = componentWithID(cycle[0])
            issue(
                first, first?.jsonPath ?? "connections",
                "the connections form a cycle: \((cycle + [cycle[0]]).joined(separator: " → "))")
        }
        return issues
    }

    /// `{{name}}` placeholders must name an input of the component or an agent variable.
    static func checkTemplates(
        _ component: Component, spec: ComponentRegistry.Spec, agent: Agent,
        report: (Component?, String, String, Bool) -> Void
    ) {
        guard !spec.templated.isEmpty else { return }
        let known = Set(component.inputs.map(\.name)).union(agent.variables.keys)
        for key in spec.templated {
            guard let value = component.data[key] else { continue }
            var texts: [(String, String)] = []
            switch value {
            case .string(let text): texts.append((key, text))
            case .object(let object): texts += object.map { ("\(key).\($0.key)", Template.text(of: $0.value)) }
            default: break
            }
            for (path, text) in texts {
                do {
                    for name in try Template(text).referencedNames where !known.contains(name) {
                        report(
                            component, "\(component.jsonPath).data.\(path)",
                            "{{\(name)}} references nothing: \(component.label) has no input \"\(name)\" and the agent no variable of that name",
                            false)
                    }
                } catch {
                    report(component, "\(component.jsonPath).data.\(path)", error.description, false)
                }
            }
        }
    }

    static func checkSpecifics(_ component: Component, report: (Component?, String, String, Bool) -> Void) {
        switch component.type {
        case "APIEndpoint":
            if let name = component.data["endpoint"]?.stringValue, !name.isEmpty,
                !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            {
                report(
                    component, "\(component.jsonPath).data.endpoint",
                    "an endpoint name has letters, digits, _ and - only", false)
            }
        case "APICall":
            if let headers = component.data["headers"], case .string(let text) = headers,
                !text.trimmingCharacters(in: .whitespaces).isEmpty, (try? JSONParser.parse(text).objectValue) == nil
            {
                report(
                    component, "\(component.jsonPath).data.headers",
                    "headers must be a JSON object (or a string holding one)", false)
            }
            if let url = component.data["url"]?.stringValue, !url.isEmpty, !url.hasPrefix("{{"),
                !url.lowercased().hasPrefix("http://") && !url.lowercased().hasPrefix("https://")
            {
                report(
                    component, "\(component.jsonPath).data.url", "the URL must start with http:// or https://", false)
            }
            checkURLOrigin(component, report: report)
        case "Await":
            do { _ = try AwaitStep(component) } catch {
                report(component, "\(component.jsonPath).data", String(describing: error), false)
            }
        case "AgentPlugin":
            do { _ = try AgentPluginStep(component) } catch {
                report(component, "\(component.jsonPath).data.agentId", String(describing: error), false)
            }
        default:
            break
        }
    }
}

extension AgentValidator {
    /// The origin of an APICall's URL is the agent's: a placeholder in the scheme, host or
    /// port needs `data.allowedHosts` (see `URLTemplateRules`).
    static func checkURLOrigin(_ component: Component, report: (Component?, String, String, Bool) -> Void) {
        let allowed: AllowedHosts?
        do {
            allowed = try AllowedHosts(component.data["allowedHosts"])
        } catch {
            report(component, "\(component.jsonPath).data.allowedHosts", error.description, false)
            return
        }
        guard allowed == nil, let text = component.data["url"]?.stringValue, let template = try? Template(text),
            let first = URLTemplateRules.originPlaceholders(template).first
        else { return }
        report(component, "\(component.jsonPath).data.url", APICall.originMessage(first), false)
    }
}
