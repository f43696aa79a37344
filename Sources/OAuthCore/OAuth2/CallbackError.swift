/// A callback that cannot be trusted or used.
public enum CallbackError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingState
    case stateMismatch
    case missingCode

    public var description: String {
        switch self {
        case .missingState: return "the callback has no state parameter; it was not started by Keyflow"
        case .stateMismatch: return "the callback's state does not match the login that was started (stale or forged)"
        case .missingCode: return "the callback has neither a code nor an error"
        }
    }
}
