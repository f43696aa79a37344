import Foundation
import Vault

/// How the CLI shows audit records: a table, or JSON with the API's field names.
enum AuditPresenter {
    static func table(_ records: [AuditRecord]) -> String {
        Output.table(
            ["SEQ", "TIME", "ACTION", "WHO", "AGENT", "CONNECTION", "REQUEST", "STATUS", "DETAIL"],
            records.map { record in
                let event = record.event
                let request = [event.method, event.origin.map { $0 + (event.path ?? "") }].compactMap { $0 }
                    .joined(separator: " ")
                return [
                    String(record.sequence), AuditTime.format(event.at), event.action.rawValue,
                    event.attribution.actor ?? "-",
                    [event.attribution.agent, event.attribution.component].compactMap { $0 }.joined(separator: "/")
                        .ifEmpty("-"),
                    event.connectionName.map { "\($0) (\(event.connection ?? "-"))" } ?? event.connection ?? "-",
                    request.ifEmpty("-"),
                    event.status.map(String.init) ?? (event.succeeded ? "ok" : "failed"), event.detail ?? "",
                ]
            })
    }

    static func json(_ record: AuditRecord) -> JSONOutput {
        let event = record.event
        func text(_ value: String?) -> JSONOutput { value.map(JSONOutput.string) ?? .null }
        return .object([
            ("sequence", .integer(Int(truncatingIfNeeded: record.sequence))), ("team", .string(event.team)),
            ("at", .string(AuditTime.format(event.at))), ("action", .string(event.action.rawValue)),
            ("actor", text(event.attribution.actor)), ("agent", text(event.attribution.agent)),
            ("component", text(event.attribution.component)), ("run", text(event.attribution.run)),
            ("connection", text(event.connection)), ("connection_name", text(event.connectionName)),
            ("method", text(event.method)), ("origin", text(event.origin)), ("path", text(event.path)),
            ("status", event.status.map(JSONOutput.integer) ?? .null), ("succeeded", .bool(event.succeeded)),
            ("detail", text(event.detail)),
        ])
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
