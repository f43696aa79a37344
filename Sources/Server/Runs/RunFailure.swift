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
