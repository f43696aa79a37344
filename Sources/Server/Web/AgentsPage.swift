import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// The agents page: the team's agents; for one agent, its graph (`AgentGraphSVG`), each
/// APICall's OAuth section as the builder's dropdown (the team's connections, its Legacy
/// inline settings, + Add New), and a Run form per endpoint that shows the output and the
/// redacted trace, and colours the graph by the run (`agents.mustache`, `agent.mustache`).
struct AgentsPage {
    let root: Vault
    let library: AgentLibrary
    let queue: RunQueue
    /// Where providers send users back (the Add dialog shows it).
    let callbacks: CallbackURLs

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/agents") { request, context in
            let csrf = CSRF.token(context)
            return HTML.page(
                title: "Agents", body: try await list(team: try context.requiredTeam()),
                viewer: .init(context, csrf: csrf))
        }
        router.get("/agents/:name") { request, context in
            let csrf = CSRF.token(context)
            let name = context.parameters.get("name") ?? ""
            let body = try await render(name, vault: try root.forTeam(of: context), csrf: csrf)
            return HTML.page(
                title: name, body: body, viewer: .init(context, csrf: csrf), notice: VaultPage.query(request)["notice"])
        }
        router.post("/agents/:name/components/:component/oauth") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let name = context.parameters.get("name") ?? ""
            let component = context.parameters.get("component") ?? ""
            let page = "/agents/" + PercentEncoding.encode(name)
            let choice = form["connection"] ?? ""
            // Only the team's own connections can be chosen; another team's id reads as missing.
            if choice != "legacy", (try? await root.forTeam(of: context).connection(choice)) == nil {
                return HTML.redirect(
                    page + "?notice=" + PercentEncoding.encode("There is no connection \(choice) in this team's vault.")
                )
            }
            try await library.selectConnection(
                agent: name, component: component, choice: choice, team: try context.requiredTeam(),
                by: context.changedBy)
            return HTML.redirect(
                page + "?notice="
                    + PercentEncoding.encode(
                        "Saved \(component)'s connection (the previous file is kept as \(name).smyth.bak)"))
        }
        router.post("/agents/:name/run") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let name = context.parameters.get("name") ?? ""
            let agent = try await library.load(name, team: try context.requiredTeam())
            let vault = try root.forTeam(of: context)
            var inputs = JSONObject()
            // An empty box is an input not given, as when a caller leaves it out of the request.
            for (key, value) in form where key.hasPrefix("input.") && !value.isEmpty {
                inputs[String(key.dropFirst(6))] = .string(value)
            }
            let outcome: RunView
            do {
                // A failed run is shown with its trace, like a successful one.
                let done = try await queue.runUntilDone(
                    name, vault: vault, startedBy: context.actor ?? context.changedBy,
                    request: RunRequest(endpoint: form["endpoint"], inputs: inputs, timeout: .seconds(60)))
                outcome = RunView(run: done.run, record: done.record)
            } catch let error as APIError {
                outcome = RunView(failure: error.message)
            }
            let csrf = CSRF.token(context)
            let body = try await render(
                name, vault: try root.forTeam(of: context), csrf: csrf, result: outcome, loaded: agent)
            return HTML.page(title: name, body: body, viewer: .init(context, csrf: csrf))
        }
    }

    /// One agent in the list.
    struct ListRow {
        var name: String
        var path: String
        var title: String
        var components: Int
        var apiCalls: Int
    }

    /// What `agents.mustache` shows.
    struct ListView {
        var agents: [ListRow]
    }

    func list(team: String) async throws -> String {
        var rows: [ListRow] = []
        for name in try await library.names(team: team) {
            let agent = try? await library.load(name, team: team)
            rows.append(
                ListRow(
                    name: name, path: PercentEncoding.encode(name),
                    title: agent?.name ?? (agent == nil ? "(does not load)" : ""),
                    components: agent?.components.count ?? 0,
                    apiCalls: agent?.components.filter { $0.type == "APICall" }.count ?? 0))
        }
        return try Templates.render("agents", ListView(agents: rows))
    }

    /// A choice in an APICall's OAuth dropdown.
    struct Option {
        var value: String
        var text: String
        var selected: Bool
        var disabled: Bool
    }

    /// One APICall: its request, what its OAuth section resolves to, and the dropdown.
    struct SectionView {
        var component: String
        var componentPath: String
        var label: String
        var legacy: Bool
        var method: String
        var url: String
        var options: [Option]
        var resolvesTo: String
    }

    /// An input of an endpoint's Run form.
    struct InputView {
        var inputName: String
        var optional: Bool
    }

    /// One APIEndpoint's Run form.
    struct EndpointView {
        var id: String
        var endpointPath: String
        var inputs: [InputView]
    }

    /// One step of a run's trace.
    struct TraceRow {
        var componentID: String
        var type: String
        var status: String
        var statusClass: String
        var error: String
        var http: String?

        /// A step as `TraceJSON` wrote it.
        init(json: JSONValue) {
            let object = json.objectValue ?? JSONObject()
            componentID = object["component"]?.stringValue ?? ""
            type = object["type"]?.stringValue ?? ""
            status = object["status"]?.stringValue ?? ""
            statusClass = status == "succeeded" ? "ready" : "error"
            error = object["error"]?.stringValue ?? ""
            // An LLM step shows its call (model, usage) where an HTTP step shows its exchange.
            http = (object["llm"] ?? object["http"]).map { JSONWriter.string($0, pretty: true) }
        }
    }

    /// A run's outcome: the output and the trace, or why it did not run or failed.
    struct RunView {
        var failure: String?
        var output: String?
        var trace: [TraceRow] = []
        var hasTrace = false
        /// The run's page (`/runs/ID`), when it was queued.
        var runPath: String?
        /// The trace as the record keeps it and whether the run succeeded, for the graph.
        var graphRun: GraphOutcomes.Run?

        init(failure: String) {
            self.failure = failure
        }

        /// A run's output and trace as its record keeps them. The trace was redacted by the
        /// executor: no header values, no query values, no bodies, so no credential can show.
        /// A running run has answered (its Async jobs go on): it counts as succeeded so far.
        init(run: StoredRun, record: RunRecord?) {
            let succeeded = run.status == .succeeded || run.status == .running
            if !succeeded { failure = record?.error ?? run.reason ?? "the run \(run.status.rawValue)" }
            output = record?.output.map { JSONWriter.string($0, pretty: true) }
            trace = record?.trace.map(TraceRow.init(json:)) ?? []
            hasTrace = !trace.isEmpty
            runPath = "/runs/" + run.id
            graphRun = GraphOutcomes.Run(trace: record?.trace ?? [], succeeded: succeeded)
        }
    }

    /// What `agent.mustache` shows.
    struct AgentView {
        var name: String
        var path: String
        var title: String
        var csrf: String
        /// The `<svg>` (or why it is left out), escaped throughout by `AgentGraphSVG`.
        var graph: String
        var sections: [SectionView]
        var endpoints: [EndpointView]
        var run: RunView?
        var addDialog: AddDialog.View
    }

    /// - Parameter loaded: the agent when the caller has just read it (a run), so the file is
    ///   not parsed twice for one request.
    func render(
        _ name: String, vault: Vault, csrf: String, result: RunView? = nil,
        rejected: AddDialog.Rejected? = nil, loaded: Agent? = nil
    ) async throws -> String {
        let agent: Agent
        if let loaded { agent = loaded } else { agent = try await library.load(name, team: vault.team) }
        let agentID = AgentInspection.agentID(of: agent)
        let inspection = try await AgentInspection(agent: agent, agentID: agentID, vault: vault)
        let sections = inspection.sections.compactMap { section -> SectionView? in
            guard let component = agent.component(section.componentID) else { return nil }
            return oauthSection(section, component: component, vault: vault)
        }
        let graph = try await AgentGraphSVG.html(
            of: agent, title: agent.name ?? name, vault: vault, run: result?.graphRun)
        let view = AgentView(
            name: name, path: PercentEncoding.encode(name), title: agent.name ?? name, csrf: csrf, graph: graph,
            sections: sections, endpoints: runForms(agent), run: result,
            addDialog: AddDialog(catalog: vault.catalog, callbacks: callbacks).view(
                csrf: csrf, attachAgent: name, rejected: rejected))
        return try Templates.render("agent", view)
    }

    /// One APICall: its request, what its OAuth section resolves to, and the dropdown.
    func oauthSection(_ section: AgentInspection.Section, component: Component, vault: Vault) -> SectionView {
        let current = OAuthSection(data: component.data, catalog: vault.catalog)
        let service = component.data["oauthService"]?.stringValue ?? ""
        let legacyKind = OAuthSection.noService.contains(service) ? nil : vault.catalog.kind(legacyServiceName: service)
        var options: [Option] = []
        var known = false
        if case .none = current {
            options.append(Option(value: "", text: "— no OAuth —", selected: true, disabled: true))
        }
        for choice in section.choices where choice.id != "add_new" && !choice.badges.contains("Legacy") {
            let selected = current == .vault(id: choice.id)
            known = known || selected
            let kind = choice.kind.flatMap { vault.catalog.kind(id: $0)?.displayName } ?? ""
            options.append(
                Option(
                    value: choice.id, text: "\(choice.name) — \(kind), \(choice.status ?? "")", selected: selected,
                    disabled: false))
        }
        if case .vault(let id) = current, !known {
            options.append(Option(value: id, text: "\(id) (not in this team's vault)", selected: true, disabled: false))
        }
        var isLegacy = false
        if let legacyKind {
            if case .legacy = current { isLegacy = true }
            options.append(
                Option(
                    value: "legacy", text: "Legacy: inline \(legacyKind.displayName) settings", selected: isLegacy,
                    disabled: false))
        }
        options.append(Option(value: "add_new", text: "+ Add New", selected: false, disabled: false))
        return SectionView(
            component: component.id, componentPath: PercentEncoding.encode(component.id), label: component.label,
            legacy: isLegacy,
            method: component.data["method"]?.stringValue ?? "GET", url: component.data["url"]?.stringValue ?? "",
            options: options, resolvesTo: section.resolvesTo)
    }

    /// One form per APIEndpoint, with a text field per input.
    func runForms(_ agent: Agent) -> [EndpointView] {
        agent.components.filter { $0.type == "APIEndpoint" }.map { endpoint in
            EndpointView(
                id: endpoint.id, endpointPath: endpoint.data["endpoint"]?.stringValue ?? endpoint.id,
                inputs: endpoint.inputs.map { InputView(inputName: $0.name, optional: $0.optional) })
        }
    }
}
