import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// The agents page: the team's agents; for one agent, each APICall's OAuth
/// section as the builder's dropdown (the team's connections, its Legacy inline settings,
/// + Add New), and a Run form per endpoint that shows the output and the redacted trace.
struct AgentsPage {
    let root: Vault
    let library: AgentLibrary
    let runs: AgentRuns

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/agents") { request, context in
            let csrf = CSRF.token(context)
            return HTML.page(title: "Agents", body: try await list(team: try context.requiredTeam()), viewer: .init(context, csrf: csrf))
        }
        router.get("/agents/:name") { request, context in
            let csrf = CSRF.token(context)
            let name = context.parameters.get("name") ?? ""
            let body = try await render(name, vault: try root.forTeam(of: context), csrf: csrf, notice: VaultPage.query(request)["notice"])
            return HTML.page(title: name, body: body, viewer: .init(context, csrf: csrf))
        }
        router.post("/agents/:name/components/:component/oauth") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let name = context.parameters.get("name") ?? ""
            let component = context.parameters.get("component") ?? ""
            let page = "/agents/" + PercentEncoding.encode(name)
            let choice = form["connection"] ?? ""
            // Only the team's own connections can be chosen; another team's id reads as missing.
            if choice != "legacy", (try? root.forTeam(of: context).connection(choice)) == nil {
                return HTML.redirect(page + "?notice=" + PercentEncoding.encode("There is no connection \(choice) in this team's vault."))
            }
            try await library.selectConnection(agent: name, component: component, choice: choice, team: try context.requiredTeam(),
                                               by: context.changedBy)
            return HTML.redirect(page + "?notice=" + PercentEncoding.encode("Saved \(component)'s connection (earlier revisions are kept)"))
        }
        router.post("/agents/:name/run") { request, context in
            let form = try await CSRF.checkedForm(request, context)
            let name = context.parameters.get("name") ?? ""
            let agent = try await library.load(name, team: try context.requiredTeam())
            var inputs = JSONObject()
            // An empty box is an input not given, as when a caller leaves it out of the request.
            for (key, value) in form where key.hasPrefix("input.") && !value.isEmpty { inputs[String(key.dropFirst(6))] = .string(value) }
            let outcome: String
            do {
                let result = try await runs.run(agent, vault: try root.forTeam(of: context), endpoint: form["endpoint"], inputs: inputs, timeout: .seconds(60))
                outcome = Self.result(result)
            } catch let error as APIError {
                outcome = "<section id=\"run-result\"><h2>Run failed</h2><p class=\"error\" id=\"run-error\">\(HTML.escape(error.message))</p></section>"
            }
            let csrf = CSRF.token(context)
            let body = try await render(name, vault: try root.forTeam(of: context), csrf: csrf, notice: nil, result: outcome, loaded: agent)
            return HTML.page(title: name, body: body, viewer: .init(context, csrf: csrf))
        }
    }

    func list(team: String) async throws -> String {
        var rows = ""
        for name in try await library.names(team: team) {
            let agent = try? await library.load(name, team: team)
            let apiCalls = agent?.components.filter { $0.type == "APICall" }.count ?? 0
            rows += "<tr><td><a href=\"/agents/\(PercentEncoding.encode(name))\">\(HTML.escape(name))</a></td>"
                + "<td>\(HTML.escape(agent?.name ?? (agent == nil ? "(does not load)" : "")))</td>"
                + "<td>\(agent?.components.count ?? 0)</td><td>\(apiCalls)</td></tr>"
        }
        return """
            <h1>Agents</h1><p>Your team's agents (add them with <code>keyflow agents import DIR --team T</code>,
            or upload with <code>PUT /api/v1/agents/NAME</code>).</p>
            <table id="agents"><thead><tr><th>Agent</th><th>Title</th><th>Components</th><th>API calls</th></tr></thead>
            <tbody>\(rows.isEmpty ? "<tr><td colspan=\"4\">No agents yet.</td></tr>" : rows)</tbody></table>
            """
    }

    /// - Parameter loaded: the agent when the caller has just read it (a run), so the file is
    ///   not parsed twice for one request.
    func render(_ name: String, vault: Vault, csrf: String, notice: String?, result: String = "",
                rejected: AddDialog.Rejected? = nil, loaded: Agent? = nil) async throws -> String {
        let agent: Agent
        if let loaded { agent = loaded } else { agent = try await library.load(name, team: vault.team) }
        let agentID = AgentInspection.agentID(of: agent)
        let inspection = try AgentInspection(agent: agent, agentID: agentID, vault: vault)
        let encodedName = PercentEncoding.encode(name)
        var sections = ""
        for section in inspection.sections {
            guard let component = agent.component(section.componentID) else { continue }
            sections += oauthSection(section, component: component, vault: vault, agentPath: encodedName, csrf: csrf)
        }
        if sections.isEmpty { sections = "<p>This agent has no APICall components.</p>" }
        return """
            \(notice.map { "<p class=\"notice\" role=\"status\" id=\"notice\">\(HTML.escape($0))</p>" } ?? "")
            <p><a href="/agents">Agents</a> / \(HTML.escape(name)) · <a href="/agents/\(encodedName)/revisions">Revisions</a></p>
            <h1>\(HTML.escape(agent.name ?? name))</h1>
            <h2>API calls</h2>\(sections)
            <h2>Run</h2>\(runForms(agent, agentPath: encodedName, csrf: csrf))
            \(result)
            \(AddDialog(catalog: vault.catalog, home: vault.home).render(csrf: csrf, attachAgent: name, rejected: rejected))
            <script>
            // "+ Add New" opens the Add dialog in place; any other choice saves the agent.
            document.querySelectorAll('select.oauth-choice').forEach(select => {
              const previous = select.value;
              select.addEventListener('change', () => {
                if (select.value === 'add_new') {
                  select.value = previous;
                  document.getElementById('attach-component').value = select.dataset.component;
                  document.getElementById('add-dialog').showModal();
                } else {
                  select.form.submit();
                }
              });
            });
            </script>
            """
    }

    /// One APICall: its request, what its OAuth section resolves to, and the dropdown.
    func oauthSection(_ section: AgentInspection.Section, component: Component, vault: Vault, agentPath: String, csrf: String) -> String {
        let current = OAuthSection(data: component.data, catalog: vault.catalog)
        let service = component.data["oauthService"]?.stringValue ?? ""
        let legacyKind = OAuthSection.noService.contains(service) ? nil : vault.catalog.kind(legacyServiceName: service)
        var options = ""
        var known = false
        if case .none = current { options += "<option value=\"\" selected disabled>— no OAuth —</option>" }
        for choice in section.choices where choice.id != "add_new" && !choice.badges.contains("Legacy") {
            let selected = current == .vault(id: choice.id)
            known = known || selected
            let kind = choice.kind.flatMap { vault.catalog.kind(id: $0)?.displayName } ?? ""
            options += "<option value=\"\(HTML.escape(choice.id))\"\(selected ? " selected" : "")>"
                + "\(HTML.escape(choice.name)) — \(HTML.escape(kind)), \(HTML.escape(choice.status ?? ""))</option>"
        }
        if case .vault(let id) = current, !known {
            options += "<option value=\"\(HTML.escape(id))\" selected>\(HTML.escape(id)) (not in this team's vault)</option>"
        }
        var isLegacy = false
        if let legacyKind {
            if case .legacy = current { isLegacy = true }
            options += "<option value=\"legacy\"\(isLegacy ? " selected" : "")>Legacy: inline \(HTML.escape(legacyKind.displayName)) settings</option>"
        }
        options += "<option value=\"add_new\">+ Add New</option>"
        let badge = isLegacy ? "<span class=\"badge\">Legacy</span>" : ""
        let method = component.data["method"]?.stringValue ?? "GET"
        let url = component.data["url"]?.stringValue ?? ""
        return """
            <div class="apicall" data-component="\(HTML.escape(component.id))"><h3>\(HTML.escape(component.label))\(badge)</h3>
            <p><code>\(HTML.escape(method)) \(HTML.escape(url))</code></p>
            <form method="post" action="/agents/\(agentPath)/components/\(PercentEncoding.encode(component.id))/oauth">
            <input type="hidden" name="csrf" value="\(csrf)">
            <label>OAuth connection <select class="oauth-choice" name="connection" data-component="\(HTML.escape(component.id))">\(options)</select></label>
            <noscript><button>Save</button></noscript></form>
            <p class="resolves">Resolves to: \(HTML.escape(section.resolvesTo))</p></div>
            """
    }

    /// One form per APIEndpoint, with a text field per input.
    func runForms(_ agent: Agent, agentPath: String, csrf: String) -> String {
        let endpoints = agent.components.filter { $0.type == "APIEndpoint" }
        guard !endpoints.isEmpty else { return "<p>This agent has no APIEndpoint to run from.</p>" }
        return endpoints.map { endpoint -> String in
            let path = endpoint.data["endpoint"]?.stringValue ?? endpoint.id
            let fields = endpoint.inputs.map { input -> String in
                "<label>\(HTML.escape(input.name))\(input.optional ? " (optional)" : "") "
                    + "<input type=\"text\" name=\"input.\(HTML.escape(input.name))\"></label>"
            }.joined()
            return """
                <form class="run" method="post" action="/agents/\(agentPath)/run"><input type="hidden" name="csrf" value="\(csrf)">
                <input type="hidden" name="endpoint" value="\(HTML.escape(endpoint.id))">
                <h3>/\(HTML.escape(path))</h3>\(fields)<p><button class="run-button">Run</button></p></form>
                """
        }.joined()
    }

    /// The output and the trace. The trace is redacted by the executor: no header values,
    /// no query values, no bodies, so no credential can show here.
    static func result(_ result: RunResult) -> String {
        let rows = result.trace.map { entry -> String in
            let http = entry.http.map { "<pre>\(HTML.escape(JSONWriter.string($0, pretty: true)))</pre>" } ?? ""
            return "<tr><td>\(HTML.escape(entry.componentID))</td><td>\(HTML.escape(entry.type))</td>"
                + "<td class=\"status-\(entry.succeeded ? "ready" : "error")\">\(entry.succeeded ? "succeeded" : "failed")</td>"
                + "<td>\(HTML.escape(entry.error ?? ""))\(http)</td></tr>"
        }.joined()
        return """
            <section id="run-result"><h2>Output</h2><pre id="run-output">\(HTML.escape(JSONWriter.string(result.output, pretty: true)))</pre>
            <h2>Trace</h2><table id="trace"><thead><tr><th>Component</th><th>Type</th><th>Status</th><th>Details</th></tr></thead>
            <tbody>\(rows)</tbody></table></section>
            """
    }
}
