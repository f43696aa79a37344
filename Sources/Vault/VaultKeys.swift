import Foundation

/// Named secrets for the `{{KEY(NAME)}}` templates of agents, sealed like connections:
/// each has its own data key, bound to its team and name. Listing shows names only.
extension Vault {
    /// Names are what templates can spell: letters, digits, `_`, `-`, `.`.
    package static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    /// Sets (adds or replaces) a vault key.
    public func setKey(_ name: String, value: String) async throws(VaultError) {
        guard Self.isValidKeyName(name) else {
            throw .invalidInput(["key name \"\(name)\": use letters, digits, _, - and . only"])
        }
        let owner = "key:" + name
        let dataKey = Envelope.newDataKey()
        let now = clock().timeIntervalSince1970
        let existing = try await store.fetchKey(team: team, name: name)
        try await store.putKey(
            StoredKey(
                team: team, name: name, keyID: masterKey.id,
                wrappedKey: try Envelope.wrap(dataKey, with: masterKey, team: team, owner: owner),
                value: try Envelope.seal(Data(value.utf8), with: dataKey, team: team, owner: owner, field: "value"),
                createdAt: existing?.createdAt ?? now, updatedAt: now))
        await emit(
            .vaultKeyChange, connection: nil, name: nil, detail: (existing == nil ? "added " : "changed ") + name)
    }

    /// The names of the team's vault keys, sorted.
    public func keyNames() async throws(VaultError) -> [String] {
        try await store.listKeys(team: team).map(\.name)
    }

    /// A vault key's value, for filling a template; nil when there is no such key.
    public func keyValue(_ name: String) async throws(VaultError) -> String? {
        guard let key = try await store.fetchKey(team: team, name: name) else { return nil }
        let owner = "key:" + name
        let dataKey = try Envelope.unwrap(key.wrappedKey, with: masterKey, team: team, owner: owner)
        return String(
            decoding: try Envelope.open(key.value, with: dataKey, team: team, owner: owner, field: "value"),
            as: UTF8.self)
    }

    /// Deletes the team's vault key `name`.
    public func removeKey(_ name: String) async throws(VaultError) {
        guard try await store.deleteKey(team: team, name: name) else { throw .notFound("vault key \(name)") }
        await emit(.vaultKeyChange, connection: nil, name: nil, detail: "removed " + name)
    }

    /// Imports a SmythOS vault file, `{"<team>": {"NAME": "value", ...}, ...}`. Only this
    /// team's entries are taken unless `fromTeam` names another; returns the names imported.
    /// Nothing is written unless the whole file is valid.
    public func importKeys(json: Data, fromTeam: String? = nil) async throws(VaultError) -> [String] {
        guard let root = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw .invalidInput(["the vault file is not a JSON object of teams"])
        }
        let teams = root.keys.sorted()
        let source: String
        if let fromTeam {
            source = fromTeam
        } else if root[team] != nil {
            source = team
        } else if teams.count == 1, let only = teams.first {
            source = only
        } else {
            throw .ambiguous(.vaultFileTeams(teams))
        }
        guard let entries = root[source] as? [String: Any] else {
            throw .invalidInput(["the vault file has no team \"\(source)\" holding an object of keys"])
        }
        var problems: [String] = []
        var values: [(String, String)] = []
        for name in entries.keys.sorted() {
            guard Self.isValidKeyName(name) else {
                problems.append("key name \"\(name)\": use letters, digits, _, - and . only"); continue
            }
            if let value = entries[name] as? String {
                values.append((name, value))
            } else {
                problems.append("\(source).\(name): the value is not a string")
            }
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        for (name, value) in values { try await setKey(name, value: value) }
        return values.map(\.0)
    }

    /// Re-wraps every data key under `newKey` in one transaction. The caller writes the new
    /// key file only after this returns (and keeps the old one until then).
    /// The audit chains are re-signed in the same transaction (see `rewrapAll(with:resignBrokenAudit:)`).
    public func rewrapAll(with newKey: MasterKey) async throws(VaultError) {
        try await rewrapAll(with: newKey, resignBrokenAudit: false)
    }
}
