import Foundation
import Hummingbird
import Runtime
import Vault

/// `/api/v1/runs` and `POST /api/v1/agents/{name}/runs`: queued runs of the caller's team.
/// Queuing answers 202 with the run at once; a worker (on any node) executes it. Another
/// team's run is a 404 on every route, exactly like a missing one.
struct RunsAPI {
    let queue: RunQueue
    let connections: ConnectionsAPI

    /// The longest page of `GET /runs`.
    static let maxPage = 200

    func add(to group: RouterGroup<KeyflowRequestContext>) {
        group.post("agents/:name/runs") { request, context in
            let vault = try connections.team(context)
            let run = try await queue.enqueue(
                context.parameters.get("name"), vault: vault, startedBy: context.actor ?? context.changedBy,
                request: try await Self.runRequest(request, connections: connections))
            var response = JSONResponse.make(.accepted, try RunQueue.json(run))
            response.headers[.location] = "/api/v1/runs/" + run.id
            return response
        }
        group.get("runs") { request, context in
            let team = try context.requiredTeam()
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int(String($0)) }.map { min(max($0, 1), Self.maxPage) } ?? 50
            let before = query["before"].flatMap { SafeNumbers.finite(String($0)) }
            let runs = try await queue.runs(team: team, limit: limit, before: before)
            var page = JSONObject([("runs", .array(try runs.map { try RunQueue.json($0) }))])
            // The next page starts before the last run of this one.
            page["next_before"] = runs.count == limit ? runs.last.map { .number($0.createdAt) } ?? .null : .null
            return JSONResponse.make(.ok, .object(page))
        }
        group.get("runs/:id") { _, context in
            let vault = try connections.team(context)
            let run = try await queue.run(context.parameters.get("id"), team: vault.team)
            return JSONResponse.make(.ok, try RunQueue.json(run, vault: vault))
        }
        group.post("runs/:id/cancel") { _, context in
            let team = try context.requiredTeam()
            return JSONResponse.make(
                .ok, try RunQueue.json(try await queue.cancel(context.parameters.get("id"), team: team)))
        }
    }

    /// The body of a run request: `endpoint`, `inputs` and `timeout` (seconds, 1 to 600; it
    /// can only shorten the server's wall-time limit). A body that is not JSON is an empty one,
    /// as it was before runs were queued.
    static func runRequest(_ request: Request, connections: ConnectionsAPI) async throws -> RunRequest {
        let body = (try? await connections.json(request)) ?? JSONObject()
        let seconds = body["timeout"]?.numberValue.map { min(max($0, 1), 600) } ?? 60
        return RunRequest(
            endpoint: body["endpoint"]?.stringValue, inputs: body["inputs"]?.objectValue ?? JSONObject(),
            timeout: SafeNumbers.duration(seconds: seconds))
    }
}
