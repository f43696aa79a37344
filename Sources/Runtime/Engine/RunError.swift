import Foundation
import OAuthCore
import Vault

/// Why a run failed.
public enum RunError: Error, Sendable, Equatable, CustomStringConvertible {
    case noEndpoint(String)
    case componentFailed(component: String, type: String, message: String)
    /// The run went over one of its `RunLimits`; `componentID` is the component that did
    /// (or, for wall time, one still running).
    case limitExceeded(limit: RunLimit, componentID: String?, message: String)
    case cancelled

    public var description: String {
        switch self {
        case .noEndpoint(let reason): return reason
        case .componentFailed(let component, let type, let message): return "\(type) \(component) failed: \(message)"
        case .limitExceeded(_, _, let message): return "run limit: \(message)"
        case .cancelled: return "the run was cancelled"
        }
    }
}
