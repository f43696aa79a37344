import ArgumentParser
import Foundation
import OAuthCore
import Runtime
import Vault

/// `keyflow inspect AGENT`: for every APICall, what its OAuth section resolves to and the
/// choices the builder's dropdown would offer.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show each APICall's OAuth section and its choices.")
    @Argument(help: "The .smyth agent file.") var agent: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let loaded: Agent
        do { loaded = try AgentLoader.load(path: agent) } catch { throw CLIError(error.description) }
        let vault = try VaultSession.open()
        let agentID = loaded.id ?? URL(fileURLWithPath: agent).deletingPathExtension().lastPathComponent
        let connections = try VaultSession.run { try vault.list() }
        var rows: [JSONOutput] = []
        var text: [String] = []
        for component in loaded.components where component.type == "APICall" {
            let section = OAuthSection(data: component.data, catalog: vault.catalog)
            var kind: String?
            var resolves: String
            switch section {
            case .none: resolves = "no OAuth"
            case .invalid(let message): resolves = "invalid: \(message)"
            case .vault(let id):
                if let connection = connections.first(where: { $0.id == id }) {
                    kind = connection.kind
                    resolves = "vault connection \(id) “\(connection.name)” (\(connection.kind), \(connection.status.rawValue))"
                } else {
                    resolves = "vault connection \(id), which does not exist in this team"
                }
            case .legacy(let legacyKind, _):
                kind = legacyKind
                if let legacy = try? vault.legacyConnection(agentID: agentID, componentID: component.id) {
                    resolves = "Legacy inline \(legacyKind) config, kept as \(legacy.id) (\(legacy.status.rawValue))"
                } else {
                    resolves = "Legacy inline \(legacyKind) config (a Legacy connection is created on the first run)"
                }
            case .addNew(let newKind, let name, _):
                kind = newKind
                if let existing = try? vault.connection(kind: newKind, name: name) {
                    resolves = "Add New “\(name)” (\(newKind)), created as \(existing.id) (\(existing.status.rawValue))"
                } else {
                    resolves = "Add New “\(name)” (\(newKind)), created and logged in before the first run"
                }
            }
            let compatible = connections.filter { !$0.isLegacy && (kind == nil || $0.kind == kind) }
            let legacy = try? vault.legacyConnection(agentID: agentID, componentID: component.id)
            var choices = compatible.map { "\($0.id)  \($0.name) (\($0.kind), \($0.status.rawValue))" }
            if let legacy { choices.append("\(legacy.id)  \(legacy.name) (\(legacy.kind), \(legacy.status.rawValue)) [Legacy]") }
            choices.append("+ Add New")
            text.append("\(component.id) “\(component.title)” \(component.data["method"]?.stringValue ?? "GET") \(component.data["url"]?.stringValue ?? "")")
            text.append("  OAuth: \(resolves)")
            text.append("  Choices:")
            text += choices.map { "    \($0)" }
            var choiceRows: [JSONOutput] = compatible.map { Self.choice($0, badges: []) }
            if let legacy { choiceRows.append(Self.choice(legacy, badges: ["Legacy"])) }
            choiceRows.append(.object([("id", .string("add_new")), ("name", .string("+ Add New"))]))
            rows.append(.object([
                ("component", .string(component.id)), ("title", .string(component.title)), ("resolves_to", .string(resolves)),
                ("choices", .array(choiceRows)),
            ]))
        }
        if json { print(JSONOutput.array(rows)) } else { print(text.isEmpty ? "\(agent) has no APICall components." : text.joined(separator: "\n")) }
    }

    static func choice(_ connection: Connection, badges: [String]) -> JSONOutput {
        .object([("id", .string(connection.id)), ("name", .string(connection.name)), ("kind", .string(connection.kind)),
                 ("status", .string(connection.status.rawValue)), ("badges", .array(badges.map(JSONOutput.string)))])
    }
}
