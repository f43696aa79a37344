import Foundation
import Hummingbird
import OAuthCore
import Runtime
import Vault

/// `/api/v1/agents`: the agents in the server's agents folder. Put writes a file (keeping a
/// `.bak` of the one it replaces); validate, inspect and run work on a stored agent.
struct AgentsAPI {
    let vault: Vault
    let directory: URL
    let transport: any HTTPTransport
    let connections: ConnectionsAPI

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.get("agents") { _, _ in
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".smyth") }.sorted()
            return JSONResponse.make(.ok, .array(names.map { name in
                let agent = try? AgentLoader.load(path: directory.appendingPathComponent(name).path)
                return .object(JSONObject([("name", .string(String(name.dropLast(".smyth".count)))),
                                           ("title", agent?.name.map(JSONValue.string) ?? .null),
                                           ("components", .number(Double(agent?.components.count ?? 0)))]))
            }))
        }
        group.get("agents/:name") { _, context in
            JSONResponse.make(.ok, try load(context).document)
        }
        group.put("agents/:name") { request, context in
            let path = try path(context)
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: 4 << 20) } catch {
                throw APIError(.contentTooLarge, "too_large", "an agent may be at most 4 MiB")
            }
            let bytes = Array(body.readableBytesView)
            do { _ = try AgentLoader.parse(bytes, source: path.lastPathComponent) } catch let error as AgentLoadError {
                throw APIError(.unprocessableContent, "invalid_agent", error.description)
            }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let existed = FileManager.default.fileExists(atPath: path.path)
            if existed {
                try? FileManager.default.removeItem(atPath: path.path + ".bak")
                try FileManager.default.copyItem(atPath: path.path, toPath: path.path + ".bak")
            }
            try Data(bytes).write(to: path, options: .atomic)
            return Response(status: existed ? .ok : .created)
        }
        group.post("agents/:name/validate") { _, context in
            let issues = AgentValidator.validate(try load(context))
            return JSONResponse.make(.ok, .object(JSONObject([
                ("valid", .bool(issues.isEmpty)),
                ("problems", .array(issues.map { issue in .object(JSONObject([
                    ("path", .string(issue.path)), ("component", issue.componentID.map(JSONValue.string) ?? .null),
                    ("message", .string(issue.message)), ("unsupported", .bool(issue.isUnsupported)),
                ])) })),
            ])))
        }
        group.get("agents/:name/inspect") { _, context in
            let agent = try load(context)
            return JSONResponse.make(.ok, try AgentInspection(agent: agent, agentID: AgentInspection.agentID(of: agent),
                                                              vault: try connections.team(context)).json)
        }
        group.post("agents/:name/run") { request, context in
            let agent = try load(context)
            let issues = AgentValidator.validate(agent)
            guard issues.isEmpty else { throw APIError(.unprocessableContent, "invalid_agent", issues.map(\.description).joined(separator: "; ")) }
            let body = (try? await connections.json(request)) ?? JSONObject()
            let session: AgentSession
            do {
                session = try await AgentSession.make(agent: agent, vault: try connections.team(context), transport: transport, login: nil)
            } catch let error as PreflightError {
                throw APIError(.conflict, "preflight", error.problems.map(\.description).joined(separator: "; "))
            }
            let timeout = body["timeout"]?.numberValue.map { Duration.milliseconds(Int(min(max($0, 1), 600) * 1000)) } ?? .seconds(60)
            let executor = Executor(agent: session.prepared)
            let endpoint = body["endpoint"]?.stringValue
            let inputs = body["inputs"]?.objectValue ?? JSONObject()
            let result: RunResult
            do {
                result = try await Executor.withTimeout(timeout) {
                    try await executor.run(endpoint: endpoint, inputs: inputs, context: session.environment)
                }
            } catch let error as RunError {
                throw APIError(.unprocessableContent, "run_failed", error.description)
            } catch {
                throw APIError(.gatewayTimeout, "timeout", String(describing: error))
            }
            return JSONResponse.make(.ok, .object(JSONObject([
                ("output", result.output),
                ("trace", .array(result.trace.map { entry in .object(JSONObject([
                    ("component", .string(entry.componentID)), ("type", .string(entry.type)), ("title", .string(entry.title)),
                    ("status", .string(entry.succeeded ? "succeeded" : "failed")), ("error", entry.error.map(JSONValue.string) ?? .null),
                ])) })),
            ])))
        }
    }

    /// Agent names are file names without `.smyth`: letters, digits, `_`, `-` and `.`.
    func path(_ context: KeyflowRequestContext) throws -> URL {
        guard let name = context.parameters.get("name"), !name.isEmpty, !name.hasPrefix("."), !name.contains(".."),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
            throw APIError(.notFound, "not_found", "no such agent")
        }
        return directory.appendingPathComponent(name.hasSuffix(".smyth") ? name : name + ".smyth")
    }

    func load(_ context: KeyflowRequestContext) throws -> Agent {
        let path = try path(context)
        guard FileManager.default.fileExists(atPath: path.path) else { throw APIError(.notFound, "not_found", "no such agent") }
        do { return try AgentLoader.load(path: path.path) } catch { throw APIError(.unprocessableContent, "invalid_agent", error.description) }
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
