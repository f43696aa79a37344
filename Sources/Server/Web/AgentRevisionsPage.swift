import Foundation
import Hummingbird
import OAuthCore
import Vault

/// An agent's revisions: version, who saved it and when, and a Restore form (with CSRF) that
/// makes an earlier revision current again as a new revision, so nothing is ever lost.
struct AgentRevisionsPage {
    let library: AgentLibrary

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/agents/:name/revisions") { request, context in
            let csrf = CSRF.token(context)
            let (agent, revisions) = try await library.revisions(context.parameters.get("name"), team: try context.requiredTeam())
            return HTML.page(title: "Revisions of \(agent.name)", body: render(agent, revisions, csrf: csrf),
                             viewer: .init(context, csrf: csrf))
        }
        router.post("/agents/:name/revisions/:version/restore") { request, context in
            _ = try await CSRF.checkedForm(request, context)
            let restored = try await library.restore(context.parameters.get("name"), version: context.parameters.get("version"),
                                                     team: try context.requiredTeam(), by: context.changedBy)
            let notice = "Restored revision \(context.parameters.get("version") ?? "") as revision \(restored.version)"
            return HTML.redirect("/agents/" + PercentEncoding.encode(restored.name) + "?notice=" + PercentEncoding.encode(notice))
        }
    }

    func render(_ agent: StoredAgent, _ revisions: [AgentRevision], csrf: String) -> String {
        let path = "/agents/" + PercentEncoding.encode(agent.name)
        let formatter = ISO8601DateFormatter()
        let rows = revisions.map { revision -> String in
            let action = revision.version == agent.version ? "current"
                : "<form class=\"inline\" method=\"post\" action=\"\(path)/revisions/\(revision.version)/restore\">"
                    + "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(csrf))\"><button>Restore</button></form>"
            return "<tr data-version=\"\(revision.version)\"><td>\(revision.version)</td><td>\(HTML.escape(revision.changedBy))</td>"
                + "<td>\(formatter.string(from: Date(timeIntervalSince1970: revision.changedAt)))</td><td>\(action)</td></tr>"
        }.joined()
        return """
            <p><a href="/agents">Agents</a> / <a href="\(path)">\(HTML.escape(agent.name))</a> / Revisions</p>
            <h1>Revisions of \(HTML.escape(agent.name))</h1>
            <p>Every save is kept. Restoring an earlier revision saves it again as the newest one.</p>
            <table id="revisions"><thead><tr><th>Version</th><th>Changed by</th><th>When</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }
}
