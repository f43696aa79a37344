import Foundation
import Vault

/// Rewrites agent files in place, keeping a backup (`FILE.bak`) and every field it does not
/// change. Used by `keyflow run --save`, `vault migrate` and the server's agents page.
public enum AgentFileWriter {
    /// Points each Add New section at the connection that was created for it.
    @discardableResult
    public static func saveAddNew(path: String, agent: Agent, added: [String: Connection]) throws -> Bool {
        try rewrite(path: path, agent: agent) { data, componentID in
            guard let connection = added[componentID] else { return false }
            data["oauth_con_id"] = .string(connection.id)
            data["oauth_new"] = nil
            return true
        }
    }

    /// Applies `change` to the `data` of every component (returning true when it changed
    /// something) and writes the file back if anything changed; returns whether it did.
    /// The previous file is kept as `path.bak`.
    @discardableResult
    public static func rewrite(path: String, agent: Agent, change: (inout JSONObject, String) throws -> Bool) throws
        -> Bool
    {
        guard let bytes = try rewritten(agent, change: change) else { return false }
        let backup = path + ".bak"
        try? FileManager.default.removeItem(atPath: backup)
        try FileManager.default.copyItem(atPath: path, toPath: backup)
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        return true
    }

    /// The agent's document with `change` applied to the `data` of every component, as the
    /// bytes of a `.smyth` file; nil when `change` changed nothing. The server's agents,
    /// which live in the store rather than in files, are rewritten with this.
    public static func rewritten(_ agent: Agent, change: (inout JSONObject, String) throws -> Bool) rethrows -> [UInt8]?
    {
        guard case .object(var root) = agent.document else { return nil }
        var container = agent.isWrapped ? (root["data"]?.objectValue ?? JSONObject()) : root
        guard var components = container["components"]?.arrayValue else { return nil }
        var changed = false
        for index in components.indices {
            guard case .object(var component) = components[index], let id = component["id"].map(Template.text(of:)),
                var data = component["data"]?.objectValue
            else { continue }
            if try change(&data, id) {
                component["data"] = .object(data)
                components[index] = .object(component)
                changed = true
            }
        }
        guard changed else { return nil }
        container["components"] = .array(components)
        if agent.isWrapped { root["data"] = .object(container) } else { root = container }
        return Array((JSONWriter.string(.object(root), pretty: true) + "\n").utf8)
    }
}
