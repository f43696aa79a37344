import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// `/api/v1/agents`: the caller's team's agents, kept in the store with every revision. Put
/// saves a new revision; validate, inspect and run work on the current one; the revisions
/// can be listed, read and restored. Another team's agent is a 404 on every route.
struct AgentsAPI {
    let library: AgentLibrary
    let queue: RunQueue
    let connections: ConnectionsAPI

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.get("agents") { _, context in
            let team = try context.requiredTeam()
            var agents: [JSONValue] = []
            for name in try await library.names(team: team) {
                let agent = try? await library.load(name, team: team)
                agents.append(
                    .object(
                        JSONObject([
                            ("name", .string(name)), ("title", agent?.name.map(JSONValue.string) ?? .null),
                            ("components", .number(Double(agent?.components.count ?? 0))),
                        ])))
            }
            return JSONResponse.make(.ok, .array(agents))
        }
        group.get("agents/:name") { _, context in
            JSONResponse.make(
                .ok, try await library.load(context.parameters.get("name"), team: try context.requiredTeam()).document)
        }
        group.put("agents/:name") { request, context in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: AgentLibrary.maxBytes) } catch {
                throw APIError(.contentTooLarge, "too_large", "an agent may be at most 4 MiB")
            }
            let saved = try await library.save(
                context.parameters.get("name"), bytes: Array(body.readableBytesView),
                team: try context.requiredTeam(), by: context.changedBy)
            return JSONResponse.make(saved.created ? .created : .ok, Self.revision(saved.agent))
        }
        group.post("agents/:name/validate") { _, context in
            let issues = AgentValidator.validate(
                try await library.load(context.parameters.get("name"), team: try context.requiredTeam()))
            return JSONResponse.make(
                .ok,
                .object(
                    JSONObject([
                        ("valid", .bool(issues.isEmpty)),
                        (
                            "problems",
                            .array(
                                issues.map { issue in
                                    .object(
                                        JSONObject([
                                            ("path", .string(issue.path)),
                                            ("component", issue.componentID.map(JSONValue.string) ?? .null),
                                            ("message", .string(issue.message)),
                                            ("unsupported", .bool(issue.isUnsupported)),
                                        ]))
                                })
                        ),
                    ])))
        }
        group.get("agents/:name/inspect") { _, context in
            let agent = try await library.load(context.parameters.get("name"), team: try context.requiredTeam())
            return JSONResponse.make(
                .ok,
                try await AgentInspection(
                    agent: agent, agentID: AgentInspection.agentID(of: agent),
                    vault: try connections.team(context)
                ).json)
        }
        // Synchronous: queues the run and waits for it (any worker may take it).
        group.post("agents/:name/run") { request, context in
            let vault = try connections.team(context)
            let done = try await queue.runAndWait(
                context.parameters.get("name"), vault: vault, startedBy: context.actor ?? context.changedBy,
                request: try await RunsAPI.runRequest(request, connections: connections))
            return JSONResponse.make(
                .ok,
                .object(
                    JSONObject([
                        ("output", done.record.output ?? .null), ("trace", .array(done.record.trace)),
                        ("run", .string(done.run.id)),
                    ])))
        }
        group.get("agents/:name/revisions") { _, context in
            let (_, revisions) = try await library.revisions(
                context.parameters.get("name"), team: try context.requiredTeam())
            return JSONResponse.make(
                .ok,
                .array(
                    revisions.map { revision in
                        .object(
                            JSONObject([
                                ("version", .number(Double(revision.version))),
                                ("changed_by", .string(revision.changedBy)),
                                ("changed_at", .number(revision.changedAt.rounded())),
                            ]))
                    }))
        }
        group.get("agents/:name/revisions/:version") { _, context in
            let revision = try await library.revision(
                context.parameters.get("name"), version: context.parameters.get("version"),
                team: try context.requiredTeam())
            return JSONResponse.make(.ok, try AgentLibrary.agent(from: revision).document)
        }
        group.post("agents/:name/revisions/:version/restore") { _, context in
            let restored = try await library.restore(
                context.parameters.get("name"), version: context.parameters.get("version"),
                team: try context.requiredTeam(), by: context.changedBy)
            return JSONResponse.make(.ok, Self.revision(restored))
        }
    }

    /// What a save answers: the agent's name and the revision it is now at.
    static func revision(_ agent: StoredAgent) -> JSONValue {
        .object(
            JSONObject([
                ("name", .string(agent.name)), ("version", .number(Double(agent.version))),
                ("changed_by", .string(agent.changedBy)), ("changed_at", .number(agent.changedAt.rounded())),
            ]))
    }
}

extension KeyflowRequestContext {
    /// The caller's team; `TeamAuthentication` and `WebAuthentication` set it before any handler.
    func requiredTeam() throws -> String {
        guard let team else { throw APIError(.unauthorized, "unauthorized", "not signed in") }
        return team
    }

    /// Who a saved revision is recorded as changed by: the user's name, or `local` without users.
    var changedBy: String { userName ?? Vault.localTeam }
}

/// `/api/v1/keys`: the team's vault keys, by name only.
struct KeysAPI {
    let connections: ConnectionsAPI

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.get("keys") { _, context in
            JSONResponse.make(.ok, .array(try await connections.team(context).keyNames().map(JSONValue.string)))
        }
        group.put("keys/:name") { request, context in
            let vault = try connections.team(context)
            guard let name = context.parameters.get("name") else {
                throw APIError(.notFound, "not_found", "no key name")
            }
            guard let value = try await connections.json(request)["value"]?.stringValue, !value.isEmpty else {
                throw APIError(.unprocessableContent, "invalid_input", "value is required", field: "value")
            }
            try await vault.setKey(name, value: value)
            return Response(status: .noContent)
        }
        group.delete("keys/:name") { _, context in
            try await connections.team(context).removeKey(context.parameters.get("name") ?? "")
            return Response(status: .noContent)
        }
    }
}
