import Foundation
import Hummingbird
import OAuthCore
import Vault

/// An agent's revisions (`revisions.mustache`): version, who saved it and when, and a Restore form (with CSRF) that
/// makes an earlier revision current again as a new revision, so nothing is ever lost.
struct AgentRevisionsPage {
    let library: AgentLibrary

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/agents/:name/revisions") { request, context in
            let csrf = CSRF.token(context)
            let (agent, revisions) = try await library.revisions(
                context.parameters.get("name"), team: try context.requiredTeam())
            return HTML.page(
                title: "Revisions of \(agent.name)", body: try render(agent, revisions, csrf: csrf),
                viewer: .init(context, csrf: csrf))
        }
        router.post("/agents/:name/revisions/:version/restore") { request, context in
            _ = try await CSRF.checkedForm(request, context)
            let restored = try await library.restore(
                context.parameters.get("name"), version: context.parameters.get("version"),
                team: try context.requiredTeam(), by: context.changedBy)
            let notice = "Restored revision \(context.parameters.get("version") ?? "") as revision \(restored.version)"
            return HTML.redirect(
                "/agents/" + PercentEncoding.encode(restored.name) + "?notice=" + PercentEncoding.encode(notice))
        }
    }

    /// One row of the table.
    struct Row {
        var version: Int64
        var changedBy: String
        var changedAt: String
        var current: Bool
        var path: String
        var csrf: String
    }

    /// What `revisions.mustache` shows.
    struct View {
        var name: String
        var path: String
        var revisions: [Row]
    }

    func render(_ agent: StoredAgent, _ revisions: [AgentRevision], csrf: String) throws -> String {
        let path = PercentEncoding.encode(agent.name)
        let formatter = ISO8601DateFormatter()
        let rows = revisions.map { revision in
            Row(
                version: revision.version, changedBy: revision.changedBy,
                changedAt: formatter.string(from: Date(timeIntervalSince1970: revision.changedAt)),
                current: revision.version == agent.version, path: path, csrf: csrf)
        }
        return try Templates.render("revisions", View(name: agent.name, path: path, revisions: rows))
    }
}
