import Foundation
import Hummingbird
import Runtime
import Vault

/// The agents `keyflow serve` works on: each team's agents in the store, by name, with their
/// revisions. Shared by the API and the pages. Every call names the caller's team, and
/// another team's agent is "no such agent" exactly like a missing one.
public struct AgentLibrary: Sendable {
    let store: any AgentStore

    /// The largest agent the server takes (an upload, an import).
    public static let maxBytes = 4 << 20

    /// A library over `store`.
    public init(store: any AgentStore) {
        self.store = store
    }

    /// An agent name as given in a URL or a file name (`NAME` or `NAME.smyth`), or nil when it
    /// is not one: letters, digits, `_`, `-` and `.`, not starting with a dot, never `..`.
    public static func name(_ raw: String?) -> String? {
        guard var name = raw else { return nil }
        if name.hasSuffix(".smyth") { name.removeLast(".smyth".count) }
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains(".."),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
        else { return nil }
        return name
    }

    /// Parses an agent's bytes; an agent that does not parse is refused with every problem.
    public static func parse(_ bytes: [UInt8], name: String) throws(AgentLoadError) -> Agent {
        try AgentLoader.parse(bytes, source: name + ".smyth")
    }

    /// The team's agent names, sorted.
    func names(team: String) async throws -> [String] {
        try await store.agentNames(team: team)
    }

    /// The current revision of one of the team's agents.
    func stored(_ raw: String?, team: String) async throws -> StoredAgent {
        guard let name = Self.name(raw), let agent = try await store.agent(team: team, name: name) else {
            throw Self.notFound
        }
        return agent
    }

    /// One of the team's agents, parsed.
    func load(_ raw: String?, team: String) async throws -> Agent {
        try Self.agent(from: try await stored(raw, team: team))
    }

    static func agent(from stored: StoredAgent) throws -> Agent {
        do { return try parse(Array(stored.body), name: stored.name) } catch {
            throw APIError(.unprocessableContent, "invalid_agent", error.description)
        }
    }

    /// Saves an upload as the agent's next revision; `created` when the team had no agent of
    /// that name. An upload identical to the current revision adds no revision.
    func save(_ raw: String?, bytes: [UInt8], team: String, by user: String) async throws -> (
        agent: StoredAgent, created: Bool
    ) {
        guard let name = Self.name(raw) else { throw Self.notFound }
        do { _ = try Self.parse(bytes, name: name) } catch {
            throw APIError(.unprocessableContent, "invalid_agent", error.description)
        }
        let current = try await store.agent(team: team, name: name)
        if let current, current.body == Data(bytes) { return (current, false) }
        guard
            let saved = try await store.saveAgent(
                team: team, name: name, body: Data(bytes), changedBy: user,
                changedAt: Date().timeIntervalSince1970, expectedVersion: current?.version)
        else {
            throw Self.conflict(name)
        }
        return (saved, current == nil)
    }

    /// Points one APICall's OAuth section at a choice of the builder's dropdown and saves the
    /// agent as a new revision: a vault connection id, or `legacy` for its inline settings.
    func selectConnection(
        agent raw: String, component componentID: String, choice: String, team: String, by user: String
    ) async throws {
        let current = try await stored(raw, team: team)
        let agent = try Self.agent(from: current)
        guard agent.component(componentID)?.type == "APICall" else {
            throw APIError(.notFound, "not_found", "no APICall \(componentID) in \(current.name)")
        }
        let bytes = AgentFileWriter.rewritten(agent) { data, id in
            guard id == componentID else { return false }
            // Legacy: the inline settings are still in `data`; an empty id makes them apply again.
            data["oauth_con_id"] = .string(choice == "legacy" ? "" : choice)
            data["oauth_new"] = nil
            return true
        }
        guard let bytes else { return }
        guard
            try await store.saveAgent(
                team: team, name: current.name, body: Data(bytes), changedBy: user,
                changedAt: Date().timeIntervalSince1970, expectedVersion: current.version) != nil
        else {
            throw Self.conflict(current.name)
        }
    }

    /// The revisions of one of the team's agents, newest first.
    func revisions(_ raw: String?, team: String) async throws -> (agent: StoredAgent, revisions: [AgentRevision]) {
        let current = try await stored(raw, team: team)
        return (current, try await store.agentRevisions(team: team, name: current.name))
    }

    /// One revision of one of the team's agents.
    func revision(_ raw: String?, version: String?, team: String) async throws -> StoredAgent {
        guard let name = Self.name(raw), let version = version.flatMap({ Int64($0) }),
            let revision = try await store.agentRevision(team: team, name: name, version: version)
        else { throw Self.notFound }
        return revision
    }

    /// Makes an earlier revision current again, as a new revision.
    func restore(_ raw: String?, version: String?, team: String, by user: String) async throws -> StoredAgent {
        guard let name = Self.name(raw), let version = version.flatMap({ Int64($0) }),
            let restored = try await store.restoreAgentRevision(
                team: team, name: name, version: version, changedBy: user,
                changedAt: Date().timeIntervalSince1970)
        else { throw Self.notFound }
        return restored
    }

    static let notFound = APIError(.notFound, "not_found", "no such agent")

    static func conflict(_ name: String) -> APIError {
        APIError(.conflict, "conflict", "agent \(name) was changed by someone else; reload it and try again")
    }
}
