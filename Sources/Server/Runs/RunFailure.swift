import Foundation
import Hummingbird
import Runtime
import Vault

/// Why a run failed, as stored (`failure` and `reason`) and as the synchronous endpoint
/// answers it: the same codes and statuses the run endpoint had before runs were queued.
struct RunFailure: Error, Sendable, Equatable {
    /// `invalid_agent`, `preflight`, `store_unavailable`, `timeout`, `run_limit`, `run_failed`,
    /// `cancelled`, `agent_missing`, `worker_lost`, `attempts_exhausted`.
    let code: String
    let reason: String

    init(_ code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The failure of a run whose executor threw.
    init(_ error: RunError) {
        switch error {
        case .limitExceeded(.wallTime, _, _): self.init("timeout", error.description)
        case .limitExceeded: self.init("run_limit", error.description)
        case .cancelled: self.init("cancelled", error.description)
        default: self.init("run_failed", error.description)
        }
    }

    /// The failure in words that quote nothing of the run's own data: what the store keeps in
    /// the clear (listings show it); the full message is sealed in the run's record.
    static func summary(of code: String) -> String {
        switch code {
        case "invalid_agent": return "the agent does not validate"
        case "agent_missing": return "the agent's revision no longer exists"
        case "preflight": return "pre-flight failed: a connection the agent uses is not ready"
        case "store_unavailable": return "the store could not be reached"
        case "timeout": return "the run took longer than its wall-time limit"
        case "run_limit": return "the run went over one of its limits"
        case "cancelled": return "cancelled while it ran"
        default: return "a step of the run failed"
        }
    }

    /// The HTTP status the synchronous run endpoint answers with.
    static func status(of code: String) -> HTTPResponse.Status {
        switch code {
        case "preflight": return .conflict
        case "store_unavailable": return .serviceUnavailable
        case "timeout": return .gatewayTimeout
        case "cancelled": return .conflict
        case "worker_lost", "attempts_exhausted": return .serviceUnavailable
        default: return .unprocessableContent
        }
    }
}
