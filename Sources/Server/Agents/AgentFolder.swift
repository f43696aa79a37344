import Foundation
import Hummingbird
import Runtime

/// The agents `keyflow serve` works on: the `.smyth` files of one folder (`--agents DIR`),
/// named by file name without the extension. Shared by the API and the agents page.
struct AgentFolder: Sendable {
    let directory: URL

    /// The agent names, sorted.
    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".smyth") && !$0.hasPrefix(".") }.map { String($0.dropLast(".smyth".count)) }.sorted()
    }

    /// The file of an agent name: letters, digits, `_`, `-` and `.`, never a path.
    func path(_ name: String?) throws -> URL {
        guard let name, !name.isEmpty, !name.hasPrefix("."), !name.contains(".."),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
            throw APIError(.notFound, "not_found", "no such agent")
        }
        return directory.appendingPathComponent(name.hasSuffix(".smyth") ? name : name + ".smyth")
    }

    func load(_ name: String?) throws -> Agent {
        let path = try path(name)
        guard FileManager.default.fileExists(atPath: path.path) else { throw APIError(.notFound, "not_found", "no such agent") }
        do { return try AgentLoader.load(path: path.path) } catch { throw APIError(.unprocessableContent, "invalid_agent", error.description) }
    }

    /// Writes an agent file, keeping the one it replaces as `.bak`; true when it replaced one.
    func save(_ name: String?, bytes: [UInt8]) throws -> Bool {
        let path = try path(name)
        do { _ = try AgentLoader.parse(bytes, source: path.lastPathComponent) } catch {
            throw APIError(.unprocessableContent, "invalid_agent", error.description)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let existed = FileManager.default.fileExists(atPath: path.path)
        if existed {
            try? FileManager.default.removeItem(atPath: path.path + ".bak")
            try FileManager.default.copyItem(atPath: path.path, toPath: path.path + ".bak")
        }
        try Data(bytes).write(to: path, options: .atomic)
        return existed
    }

    /// Points one APICall's OAuth section at a choice of the builder's dropdown and saves the
    /// agent (with a backup): a vault connection id, or `legacy` for its inline settings.
    func selectConnection(agent name: String, component componentID: String, choice: String) throws {
        let agent = try load(name)
        guard agent.component(componentID)?.type == "APICall" else {
            throw APIError(.notFound, "not_found", "no APICall \(componentID) in \(name)")
        }
        let path = try path(name)
        try AgentFileWriter.rewrite(path: path.path, agent: agent) { data, id in
            guard id == componentID else { return false }
            // Legacy: the inline settings are still in `data`; an empty id makes them apply again.
            data["oauth_con_id"] = .string(choice == "legacy" ? "" : choice)
            data["oauth_new"] = nil
            return true
        }
    }
}
