import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// `/api/v1/agents`: the agents in the server's agents folder. Put writes a file (keeping a
/// `.bak` of the one it replaces); validate, inspect and run work on a stored agent.
struct AgentsAPI {
    let folder: AgentFolder
    let runs: AgentRuns
    let connections: ConnectionsAPI

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.get("agents") { _, _ in
            JSONResponse.make(.ok, .array(folder.names().map { name in
                let agent = try? folder.load(name)
                return .object(JSONObject([("name", .string(name)),
                                           ("title", agent?.name.map(JSONValue.string) ?? .null),
                                           ("components", .number(Double(agent?.components.count ?? 0)))]))
            }))
        }
        group.get("agents/:name") { _, context in
            JSONResponse.make(.ok, try folder.load(context.parameters.get("name")).document)
        }
        group.put("agents/:name") { request, context in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: 4 << 20) } catch {
                throw APIError(.contentTooLarge, "too_large", "an agent may be at most 4 MiB")
            }
            let replaced = try folder.save(context.parameters.get("name"), bytes: Array(body.readableBytesView))
            return Response(status: replaced ? .ok : .created)
        }
        group.post("agents/:name/validate") { _, context in
            let issues = AgentValidator.validate(try folder.load(context.parameters.get("name")))
            return JSONResponse.make(.ok, .object(JSONObject([
                ("valid", .bool(issues.isEmpty)),
                ("problems", .array(issues.map { issue in .object(JSONObject([
                    ("path", .string(issue.path)), ("component", issue.componentID.map(JSONValue.string) ?? .null),
                    ("message", .string(issue.message)), ("unsupported", .bool(issue.isUnsupported)),
                ])) })),
            ])))
        }
        group.get("agents/:name/inspect") { _, context in
            let agent = try folder.load(context.parameters.get("name"))
            return JSONResponse.make(.ok, try AgentInspection(agent: agent, agentID: AgentInspection.agentID(of: agent),
                                                              vault: try connections.team(context)).json)
        }
        group.post("agents/:name/run") { request, context in
            let agent = try folder.load(context.parameters.get("name"))
            let body = (try? await connections.json(request)) ?? JSONObject()
            let timeout = body["timeout"]?.numberValue.map { Duration.milliseconds(Int(min(max($0, 1), 600) * 1000)) } ?? .seconds(60)
            let result = try await runs.run(agent, vault: try connections.team(context), endpoint: body["endpoint"]?.stringValue,
                                            inputs: body["inputs"]?.objectValue ?? JSONObject(), timeout: timeout)
            return JSONResponse.make(.ok, .object(JSONObject([("output", result.output), ("trace", AgentRuns.json(result.trace))])))
        }
    }
}

/// `/api/v1/keys`: the team's vault keys, by name only.
struct KeysAPI {
    let connections: ConnectionsAPI

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.get("keys") { _, context in
            JSONResponse.make(.ok, .array(try connections.team(context).keyNames().map(JSONValue.string)))
        }
        group.put("keys/:name") { request, context in
            let vault = try connections.team(context)
            guard let name = context.parameters.get("name") else { throw APIError(.notFound, "not_found", "no key name") }
            guard let value = try await connections.json(request)["value"]?.stringValue, !value.isEmpty else {
                throw APIError(.unprocessableContent, "invalid_input", "value is required", field: "value")
            }
            try vault.setKey(name, value: value)
            return Response(status: .noContent)
        }
        group.delete("keys/:name") { _, context in
            try connections.team(context).removeKey(context.parameters.get("name") ?? "")
            return Response(status: .noContent)
        }
    }
}
