import Foundation
import Hummingbird
import Vault

/// The Activity page of one connection (`activity.mustache`), reached from the Vault page: its
/// audit records, newest first, 50 a page. Only a connection of the viewer's team has one;
/// another team's id is "not found", like a missing one.
struct ActivityPage {
    let root: Vault

    /// Records per page.
    static let pageSize = 50

    func add(to router: RouterGroup<KeyflowRequestContext>) {
        router.get("/vault/connections/:id/activity") { request, context in
            let csrf = CSRF.token(context)
            let vault = try root.forTeam(of: context)
            let connection = try await vault.connection(context.parameters.get("id") ?? "")
            let before = VaultPage.query(request)["before"].flatMap { text in
                text.count <= 19 ? Int64(text) : nil
            }
            let records = try await vault.auditRecords(connection: connection.id, before: before, limit: Self.pageSize)
            let next =
                records.count == Self.pageSize
                ? records.last.map { "/vault/connections/\(connection.id)/activity?before=\($0.sequence)" } : nil
            let body = try Templates.render(
                "activity",
                View(
                    name: connection.name, records: records.map(Row.init), hasRecords: !records.isEmpty,
                    nextPath: next))
            return HTML.page(title: "Activity: \(connection.name)", body: body, viewer: .init(context, csrf: csrf))
        }
    }

    /// What `activity.mustache` shows.
    struct View {
        var name: String
        var records: [Row]
        var hasRecords: Bool
        var nextPath: String?
    }

    /// One record.
    struct Row {
        var sequence: Int64
        var at: String
        var action: String
        var actor: String
        var agent: String
        var request: String
        var status: String
        var statusClass: String
        var detail: String

        init(_ record: AuditRecord) {
            let event = record.event
            sequence = record.sequence
            at = AuditTime.format(event.at)
            action = event.action.rawValue
            actor = event.attribution.actor ?? ""
            agent = [event.attribution.agent, event.attribution.component].compactMap { $0 }.joined(separator: " / ")
            request = [event.method, event.origin.map { $0 + (event.path ?? "") }].compactMap { $0 }.joined(
                separator: " ")
            status = event.status.map(String.init) ?? (event.succeeded ? "ok" : "failed")
            statusClass = event.succeeded ? "ready" : "error"
            detail = event.detail ?? ""
        }
    }
}
