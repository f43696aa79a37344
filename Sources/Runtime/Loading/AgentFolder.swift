import Foundation
import Synchronization

/// The agents of one folder, for the AgentPlugins of `keyflow run`: every `.smyth` file in it
/// (not in sub-folders), found by the agent's `id`, then its `name`, then the file's name
/// without `.smyth`. Each file is read once per folder value, when first needed.
public final class AgentFolder: AgentDirectory {
    /// The folder.
    public let path: String
    private let index = Mutex<[(file: String, agent: Agent)]?>(nil)

    /// The agents of the folder at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The name an agent file is known by here: its file name.
    public static func name(ofFile file: String) -> String {
        URL(fileURLWithPath: file).lastPathComponent
    }

    /// The agent whose `id`, `name` or file name is `reference`; an error when several match.
    public func agent(_ reference: String) async throws -> (name: String, agent: Agent)? {
        let agents = try loaded()
        for matches in [
            { (entry: (file: String, agent: Agent)) in entry.agent.id == reference },
            { entry in entry.agent.name == reference },
            { entry in URL(fileURLWithPath: entry.file).deletingPathExtension().lastPathComponent == reference },
        ] {
            let found = agents.filter(matches)
            if found.count > 1 {
                throw ComponentError(
                    message:
                        "agent \(reference) is ambiguous in \(path): "
                        + found.map { Self.name(ofFile: $0.file) }.joined(separator: ", "))
            }
            if let only = found.first { return (Self.name(ofFile: only.file), only.agent) }
        }
        return nil
    }

    private func loaded() throws -> [(file: String, agent: Agent)] {
        if let cached = index.withLock({ $0 }) { return cached }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw ComponentError(message: "the agents folder \(path) cannot be read")
        }
        var agents: [(file: String, agent: Agent)] = []
        for name in names.sorted() where name.hasSuffix(".smyth") {
            let file = URL(fileURLWithPath: path).appendingPathComponent(name).path
            // A file that does not load cannot be called; it is named when it is the one asked for.
            guard let agent = try? AgentLoader.load(path: file) else { continue }
            agents.append((file, agent))
        }
        index.withLock { $0 = agents }
        return agents
    }
}
