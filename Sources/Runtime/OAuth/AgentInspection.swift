import Foundation
import OAuthCore
import Vault

/// What each APICall's OAuth section resolves to, and the choices the builder's dropdown
/// offers: the team's connections of a compatible kind, its Legacy one (badged), + Add New.
public struct AgentInspection: Sendable {
    /// One entry of an OAuth section's dropdown.
    public struct Choice: Sendable {
        /// The connection id, or `add_new`.
        public let id: String
        /// The name shown.
        public let name: String
        /// The connection's kind id, if it is a connection.
        public let kind: String?
        /// The connection's status, if it is a connection.
        public let status: String?
        /// Labels shown next to the name.
        public let badges: [String]
    }

    /// One APICall's OAuth section.
    public struct Section: Sendable {
        /// The APICall's id.
        public let componentID: String
        /// The APICall's title.
        public let title: String
        /// The APICall's HTTP method, as written.
        public let method: String
        /// The APICall's URL template, as written.
        public let url: String
        /// What the section resolves to, in words.
        public let resolvesTo: String
        /// The dropdown's entries.
        public let choices: [Choice]
    }

    /// One section per APICall, in the agent's order.
    public let sections: [Section]

    /// Inspects every APICall of `agent` against the team's connections in `vault`; nothing is created.
    public init(agent: Agent, agentID: String, vault: Vault) async throws {
        let connections = try await vault.list()
        var sections: [Section] = []
        for component in agent.components where component.type == "APICall" {
            var kind: String?
            let resolves: String
            switch OAuthSection(data: component.data, catalog: vault.catalog) {
            case .none: resolves = "no OAuth"
            case .invalid(let message): resolves = "invalid: \(message)"
            case .vault(let id):
                if let connection = connections.first(where: { $0.id == id }) {
                    kind = connection.kind
                    resolves =
                        "vault connection \(id) “\(connection.name)” (\(connection.kind), \(connection.status.rawValue))"
                } else {
                    resolves = "vault connection \(id), which does not exist in this team"
                }
            case .legacy(let legacyKind, _):
                kind = legacyKind
                if let legacy = try? await vault.legacyConnection(agentID: agentID, componentID: component.id) {
                    resolves = "Legacy inline \(legacyKind) config, kept as \(legacy.id) (\(legacy.status.rawValue))"
                } else {
                    resolves = "Legacy inline \(legacyKind) config (a Legacy connection is created on the first run)"
                }
            case .addNew(let newKind, let name, _):
                kind = newKind
                if let existing = try? await vault.connection(kind: newKind, name: name) {
                    resolves = "Add New “\(name)” (\(newKind)), created as \(existing.id) (\(existing.status.rawValue))"
                } else {
                    resolves = "Add New “\(name)” (\(newKind)), created and logged in before the first run"
                }
            }
            var choices = connections.filter { !$0.isLegacy && (kind == nil || $0.kind == kind) }.map {
                Choice(id: $0.id, name: $0.name, kind: $0.kind, status: $0.status.rawValue, badges: [])
            }
            if let legacy = try? await vault.legacyConnection(agentID: agentID, componentID: component.id) {
                choices.append(
                    Choice(
                        id: legacy.id, name: legacy.name, kind: legacy.kind, status: legacy.status.rawValue,
                        badges: ["Legacy"]))
            }
            choices.append(Choice(id: "add_new", name: "+ Add New", kind: nil, status: nil, badges: []))
            sections.append(
                Section(
                    componentID: component.id, title: component.title,
                    method: component.data["method"]?.stringValue ?? "GET",
                    url: component.data["url"]?.stringValue ?? "", resolvesTo: resolves, choices: choices))
        }
        self.sections = sections
    }

    /// The sections as JSON, for `--json` and the API.
    public var json: JSONValue {
        .array(
            sections.map { section in
                .object(
                    JSONObject([
                        ("component", .string(section.componentID)), ("title", .string(section.title)),
                        ("resolves_to", .string(section.resolvesTo)),
                        (
                            "choices",
                            .array(
                                section.choices.map { choice in
                                    .object(
                                        JSONObject([
                                            ("id", .string(choice.id)), ("name", .string(choice.name)),
                                            ("kind", choice.kind.map(JSONValue.string) ?? .null),
                                            ("status", choice.status.map(JSONValue.string) ?? .null),
                                            ("badges", .array(choice.badges.map(JSONValue.string))),
                                        ]))
                                })
                        ),
                    ]))
            })
    }

    /// The agent id a file's Legacy connections are kept under: its `id`, else its file name.
    public static func agentID(of agent: Agent) -> String {
        agent.id ?? URL(fileURLWithPath: agent.source).deletingPathExtension().lastPathComponent
    }

    /// The agent's `behavior` (its instructions in words), at the top or under `data`.
    public static func behavior(of agent: Agent) -> String {
        let top = agent.document.objectValue
        return (top?["behavior"] ?? top?["data"]?.objectValue?["behavior"])?.stringValue ?? ""
    }

    /// Whether the agent has an LLM step on a model other than SRE's Echo, whose model is
    /// resolved through the team's vault.
    public static func usesModels(_ agent: Agent) -> Bool {
        agent.components.contains { LLMStep.kinds[$0.type] != nil && !LLMStep.isEcho($0) }
    }
}
