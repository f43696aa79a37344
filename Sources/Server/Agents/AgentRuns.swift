import Foundation
import OAuthCore
import Runtime
import Vault

/// Runs a stored agent for a team, synchronously within the server's `RunLimits`: the same
/// pre-flight, vault and executor as `keyflow run`, with the team's one token broker (shared
/// by every run, so its cached credentials and single refresh are too). Shared by the API
/// and the agents page's Run form. A team has at most `limits.maxConcurrentRunsPerTeam` runs in progress; one more
/// is refused with 429.
struct AgentRuns: Sendable {
    let transport: any HTTPTransport
    let limits: RunLimits
    let brokers: TeamBrokers
    private let slots = TeamRunSlots()

    init(transport: any HTTPTransport, limits: RunLimits = .defaults, brokers: TeamBrokers? = nil) {
        self.transport = transport
        self.limits = limits
        self.brokers = brokers ?? TeamBrokers(transport: transport)
    }

    /// Runs `agent` with the team's `vault`; `timeout` (a caller's choice) can only shorten
    /// the server's wall-time limit.
    func run(_ agent: Agent, vault: Vault, endpoint: String?, inputs: JSONObject, timeout: Duration) async throws
        -> RunResult
    {
        let issues = AgentValidator.validate(agent)
        guard issues.isEmpty else {
            throw APIError(.unprocessableContent, "invalid_agent", issues.map(\.description).joined(separator: "; "))
        }
        guard await slots.acquire(team: vault.team, limit: limits.maxConcurrentRunsPerTeam) else {
            throw APIError(
                .tooManyRequests, "too_many_runs",
                "the team already has \(limits.maxConcurrentRunsPerTeam) runs in progress, its limit on this server "
                    + "(\(RunLimit.concurrentRuns.flag)); try again when one has finished")
        }
        do {
            let result = try await execute(agent, vault: vault, endpoint: endpoint, inputs: inputs, timeout: timeout)
            await slots.release(team: vault.team)
            return result
        } catch {
            await slots.release(team: vault.team)
            throw error
        }
    }

    private func execute(_ agent: Agent, vault: Vault, endpoint: String?, inputs: JSONObject, timeout: Duration)
        async throws -> RunResult
    {
        let session: AgentSession
        do {
            session = try await AgentSession.make(
                agent: agent, broker: brokers.broker(for: vault), transport: transport,
                login: nil, limits: limits)
        } catch let error as PreflightError {
            let message = error.problems.map(\.description).joined(separator: "; ")
            if error.storeUnavailable { throw APIError(.serviceUnavailable, "store_unavailable", message) }
            throw APIError(.conflict, "preflight", message)
        }
        var executor = Executor(agent: session.prepared)
        executor.limits = limits
        executor.limits.wallTime = min(limits.wallTime, timeout)
        do {
            return try await executor.run(endpoint: endpoint, inputs: inputs, context: session.environment)
        } catch {
            switch error {
            case .limitExceeded(.wallTime, _, _): throw APIError(.gatewayTimeout, "timeout", error.description)
            case .limitExceeded: throw APIError(.unprocessableContent, "run_limit", error.description)
            default: throw APIError(.unprocessableContent, "run_failed", error.description)
            }
        }
    }

    /// The trace as JSON: each component's outcome and, for HTTP steps, the redacted exchange.
    static func json(_ trace: [TraceEntry]) -> JSONValue {
        .array(
            trace.map { entry in
                var object = JSONObject([
                    ("component", .string(entry.componentID)), ("type", .string(entry.type)),
                    ("title", .string(entry.title)),
                    ("status", .string(entry.succeeded ? "succeeded" : "failed")),
                    ("error", entry.error.map(JSONValue.string) ?? .null),
                ])
                if let http = entry.http { object["http"] = http }
                return .object(object)
            })
    }
}
