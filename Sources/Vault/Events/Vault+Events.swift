import Foundation

extension Vault {
    /// Hands a connection's event to the sinks (the audit trail, health, metrics), with the
    /// current task's attribution. Skipped at no cost when nothing listens.
    package func emit(
        _ action: VaultEvent.Action, connection: String?, name: String?, succeeded: Bool = true,
        detail: String? = nil
    ) async {
        guard !events.isEmpty else { return }
        await events.emit(event(action, connection: connection, name: name, succeeded: succeeded, detail: detail))
    }

    /// The event `emit` would send, for a caller that must send it later (the broker, which
    /// must not write the audit trail while it holds a connection's row lock).
    func event(
        _ action: VaultEvent.Action, connection: String?, name: String?, succeeded: Bool = true,
        detail: String? = nil
    ) -> VaultEvent {
        VaultEvent(
            action, team: team, at: clock().timeIntervalSince1970, connection: connection, connectionName: name,
            succeeded: succeeded, detail: detail)
    }

    /// Emits `connection.status` when a write moved the connection from one status to another.
    func emitStatusChange(from old: StoredConnection, to new: StoredConnection) async {
        guard old.status != new.status else { return }
        let reason = new.statusReason.map { ": " + $0 } ?? ""
        await emit(
            .connectionStatus, connection: new.id, name: new.name,
            succeeded: new.status == ConnectionStatus.ready.rawValue,
            detail: "\(old.status) -> \(new.status)\(reason)")
    }

    /// The names (never the values) of the fields an edit changed: top-level keys of the
    /// settings and secrets whose encoded values differ, plus the name and kind.
    static func changedFields(
        from old: StoredConnection, to new: StoredConnection, oldSecrets: Data, newSecrets: Data
    ) -> [String] {
        var fields: [String] = []
        if old.name != new.name { fields.append("name") }
        if old.kind != new.kind { fields.append("kind") }
        fields += changedKeys(old.settings, new.settings)
        fields += changedKeys(oldSecrets, newSecrets)
        return fields
    }

    private static func changedKeys(_ old: Data, _ new: Data) -> [String] {
        let before = (try? JSONSerialization.jsonObject(with: old)) as? [String: Any] ?? [:]
        let after = (try? JSONSerialization.jsonObject(with: new)) as? [String: Any] ?? [:]
        return Set(before.keys).union(after.keys).sorted().filter { key in
            switch (before[key], after[key]) {
            case (nil, nil): return false
            case (let lhs?, let rhs?): return !NSDictionary(dictionary: ["v": lhs]).isEqual(to: ["v": rhs])
            default: return true
            }
        }
    }
}
