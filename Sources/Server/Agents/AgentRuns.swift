import Foundation
import OAuthCore
import Runtime
import Vault

/// Runs a stored agent for a team, synchronously with a timeout: the same pre-flight, vault
/// and executor as `keyflow run`. Shared by the API and the agents page's Run form.
struct AgentRuns: Sendable {
    let transport: any HTTPTransport

    func run(_ agent: Agent, vault: Vault, endpoint: String?, inputs: JSONObject, timeout: Duration) async throws -> RunResult {
        let issues = AgentValidator.validate(agent)
        guard issues.isEmpty else { throw APIError(.unprocessableContent, "invalid_agent", issues.map(\.description).joined(separator: "; ")) }
        let session: AgentSession
        do {
            session = try await AgentSession.make(agent: agent, vault: vault, transport: transport, login: nil)
        } catch let error as PreflightError {
            throw APIError(.conflict, "preflight", error.problems.map(\.description).joined(separator: "; "))
        }
        let executor = Executor(agent: session.prepared)
        do {
            return try await Executor.withTimeout(timeout) {
                try await executor.run(endpoint: endpoint, inputs: inputs, context: session.environment)
            }
        } catch let error as RunError {
            throw APIError(.unprocessableContent, "run_failed", error.description)
        } catch {
            throw APIError(.gatewayTimeout, "timeout", String(describing: error))
        }
    }

    /// The trace as JSON: each component's outcome and, for HTTP steps, the redacted exchange.
    static func json(_ trace: [TraceEntry]) -> JSONValue {
        .array(trace.map { entry in
            var object = JSONObject([
                ("component", .string(entry.componentID)), ("type", .string(entry.type)), ("title", .string(entry.title)),
                ("status", .string(entry.succeeded ? "succeeded" : "failed")), ("error", entry.error.map(JSONValue.string) ?? .null),
            ])
            if let http = entry.http { object["http"] = http }
            return .object(object)
        })
    }
}
