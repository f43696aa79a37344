import Foundation

/// The tables a vault's store holds, with their columns' kinds: what `StoreCopy` moves. Both
/// stores have these tables with these columns (the SQLite migrations and
/// `PostgresMigrations`), so a row moves as it is. `serve_nodes` is left out: it describes the
/// processes of the source, not the vault.
enum StoreTables {
    /// What a column holds.
    enum Kind: Sendable {
        case text, integer, real, bytes
    }

    /// One table: its name and columns, in the order rows are read and written.
    struct Table: Sendable {
        let name: String
        let columns: [(name: String, kind: Kind)]

        var columnList: String { columns.map(\.name).joined(separator: ", ") }
    }

    /// Every table, parents first.
    static let all: [Table] = [
        Table(
            name: "connections",
            columns: [
                ("id", .text), ("team", .text), ("name", .text), ("kind", .text), ("settings", .bytes),
                ("key_id", .text), ("wrapped_key", .bytes), ("secrets", .bytes), ("tokens", .bytes), ("status", .text),
                ("status_reason", .text), ("token_expires_at", .real), ("version", .integer), ("created_at", .real),
                ("updated_at", .real), ("legacy_agent_id", .text), ("legacy_component_id", .text),
                ("lease_owner", .text), ("lease_until", .real),
            ]),
        Table(
            name: "vault_keys",
            columns: [
                ("team", .text), ("name", .text), ("key_id", .text), ("wrapped_key", .bytes), ("value", .bytes),
                ("created_at", .real), ("updated_at", .real),
            ]),
        Table(
            name: "users",
            columns: [("id", .text), ("name", .text), ("team", .text), ("token_hash", .text), ("created_at", .real)]),
        Table(
            name: "web_sessions",
            columns: [("id_hash", .text), ("user_id", .text), ("created_at", .real), ("expires_at", .real)]),
        Table(
            name: "agents",
            columns: [
                ("team", .text), ("name", .text), ("body", .bytes), ("version", .integer), ("changed_by", .text),
                ("changed_at", .real),
            ]),
        Table(
            name: "agent_revisions",
            columns: [
                ("team", .text), ("name", .text), ("version", .integer), ("body", .bytes), ("changed_by", .text),
                ("changed_at", .real),
            ]),
        Table(
            name: "pending_logins",
            columns: [
                ("key_hash", .text), ("team", .text), ("connection_id", .text), ("connection_version", .integer),
                ("binding", .text), ("flow", .bytes), ("started_at", .real), ("expires_at", .real),
            ]),
        Table(
            name: "add_new_targets",
            columns: [
                ("connection_id", .text), ("team", .text), ("agent", .text), ("component", .text),
                ("changed_by", .text), ("created_at", .real),
            ]),
        Table(
            name: "runs",
            columns: [
                ("id", .text), ("team", .text), ("agent", .text), ("agent_version", .integer), ("started_by", .text),
                ("status", .text), ("failure", .text), ("reason", .text), ("key_id", .text), ("wrapped_key", .bytes),
                ("request", .bytes), ("result", .bytes), ("attempts", .integer), ("worker", .text), ("claim", .text),
                ("lease_until", .real), ("unsafe_request", .text), ("cancel_requested", .integer),
                ("created_at", .real), ("started_at", .real), ("finished_at", .real),
            ]),
        Table(
            name: "model_routes",
            columns: [
                ("team", .text), ("name", .text), ("provider", .text), ("base_url", .text), ("connection_id", .text),
                ("upstream_model", .text), ("created_at", .real), ("updated_at", .real),
            ]),
        Table(
            name: "llm_conversations",
            columns: [
                ("team", .text), ("agent", .text), ("conversation_key", .text), ("key_id", .text),
                ("wrapped_key", .bytes), ("messages", .bytes), ("expires_at", .real), ("updated_at", .real),
            ]),
        Table(
            name: "connection_health",
            columns: [
                ("team", .text), ("connection", .text), ("last_success_at", .real), ("last_failure_at", .real),
                ("last_failure_reason", .text), ("last_refresh_at", .real), ("refresh_token_expires_at", .real),
                ("updated_at", .real),
            ]),
        Table(
            name: "status_outbox",
            columns: [
                ("id", .text), ("team", .text), ("connection", .text), ("type", .text), ("name", .text),
                ("kind", .text), ("status", .text), ("reason", .text), ("created_at", .real), ("state", .text),
                ("attempts", .integer), ("next_attempt_at", .real), ("claim", .text), ("lease_until", .real),
                ("last_error", .text), ("finished_at", .real),
            ]),
        // The audit chains move as they are: their MACs derive from the master key, not the store.
        Table(
            name: "audit_heads",
            columns: [
                ("team", .text), ("seq", .integer), ("mac", .bytes), ("key_id", .text), ("signature", .bytes),
                ("checkpoint_seq", .integer), ("checkpoint_mac", .bytes), ("checkpoint_before", .real),
                ("checkpoint_signature", .bytes),
            ]),
        Table(
            name: "audit_records",
            columns: [
                ("team", .text), ("seq", .integer), ("at", .real), ("action", .text), ("actor", .text),
                ("agent", .text), ("component", .text), ("run_id", .text), ("connection_id", .text),
                ("connection_name", .text), ("method", .text), ("origin", .text), ("path", .text),
                ("status", .integer), ("succeeded", .integer), ("detail", .text), ("mac", .bytes),
            ]),
    ]
}

/// One stored value, as it is (sealed bytes stay sealed).
enum StoredValue: Sendable, Equatable {
    case text(String?)
    case integer(Int64?)
    case real(Double?)
    case bytes(Data?)
}

/// Every row of every table of a store, read in one consistent snapshot.
struct StoreSnapshot: Sendable {
    /// Rows by table name, each row in its table's column order.
    var rows: [String: [[StoredValue]]] = [:]

    /// How many rows in all.
    var count: Int { rows.values.reduce(0) { $0 + $1.count } }

    /// "3 connections, 1 users" for the tables that have rows.
    var summary: String {
        let parts = StoreTables.all.compactMap { table -> String? in
            let count = rows[table.name]?.count ?? 0
            return count == 0 ? nil : "\(count) \(table.name)"
        }
        return parts.isEmpty ? "nothing" : parts.joined(separator: ", ")
    }
}
