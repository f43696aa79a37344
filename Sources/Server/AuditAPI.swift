import Foundation
import Hummingbird
import Runtime
import Vault

/// `GET /api/v1/audit`: the caller's team's audit records, newest first, a page at a time
/// (`next_cursor` is the `cursor` of the next page). `connection=` names one of the team's
/// connections (or a removed one that has records); any other id, another team's included, is
/// a 404 exactly like a missing one.
struct AuditAPI {
    let connections: ConnectionsAPI

    /// The most records a page holds, and the default.
    static let maxPage = 500
    static let defaultPage = 50

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.get("audit") { request, context in
            let vault = try connections.team(context)
            let query = try Self.query(request.uri.queryParameters, team: vault.team)
            try await Self.checkConnection(query.connection, in: vault)
            let records = try await vault.store.auditRecords(query)
            var page = JSONObject([("records", .array(records.map(Self.json)))])
            page["next_cursor"] =
                records.count == query.limit ? records.last.map { .string(String($0.sequence)) } ?? .null : .null
            return JSONResponse.make(.ok, .object(page))
        }
    }

    /// The query the parameters ask for; a malformed one is a 422 naming it.
    static func query(_ parameters: Hummingbird.Parameters, team: String, now: Date = Date()) throws -> AuditQuery {
        func invalid(_ field: String, _ message: String) -> APIError {
            APIError(
                .unprocessableContent, "invalid_input", message,
                problems: [.init(field: field, reason: "invalid", message: message)])
        }
        var query = AuditQuery(team: team, limit: defaultPage)
        if let text = parameters["connection"].map(String.init), !text.isEmpty {
            guard text.count <= 200 else { throw APIError(.notFound, "not_found", "connection does not exist") }
            query.connection = text
        }
        if let text = parameters["since"].map(String.init), !text.isEmpty {
            guard let since = AuditTime.parse(text, now: now) else {
                throw invalid("since", "since: use ISO 8601 (2026-05-01T12:00:00Z) or an age like 24h or 7d")
            }
            query.since = since
        }
        if let text = parameters["cursor"].map(String.init), !text.isEmpty {
            guard text.count <= 19, let cursor = Int64(text), cursor > 0 else {
                throw invalid("cursor", "cursor: use the next_cursor of the page before")
            }
            query.before = cursor
        }
        if let text = parameters["limit"].map(String.init), !text.isEmpty {
            guard text.count <= 6, let limit = Int(text), (1...maxPage).contains(limit) else {
                throw invalid("limit", "limit: a whole number from 1 to \(maxPage)")
            }
            query.limit = limit
        }
        return query
    }

    /// A connection of the team, or one removed that left records in its trail; else a 404.
    static func checkConnection(_ id: String?, in vault: Vault) async throws {
        guard let id else { return }
        if (try? await vault.connection(id)) != nil { return }
        if try await !vault.auditRecords(connection: id, limit: 1).isEmpty { return }
        throw APIError(.notFound, "not_found", "connection \(id) does not exist")
    }

    static func json(_ record: AuditRecord) -> JSONValue {
        let event = record.event
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object(
            JSONObject([
                ("sequence", .number(Double(record.sequence))), ("at", .string(AuditTime.format(event.at))),
                ("action", .string(event.action.rawValue)), ("actor", text(event.attribution.actor)),
                ("agent", text(event.attribution.agent)), ("component", text(event.attribution.component)),
                ("run", text(event.attribution.run)), ("connection", text(event.connection)),
                ("connection_name", text(event.connectionName)), ("method", text(event.method)),
                ("origin", text(event.origin)), ("path", text(event.path)),
                ("status", event.status.map { .number(Double($0)) } ?? .null), ("succeeded", .bool(event.succeeded)),
                ("detail", text(event.detail)),
            ]))
    }
}
