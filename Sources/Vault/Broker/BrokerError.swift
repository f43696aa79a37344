import OAuthCore

/// Why no credential could be given. The messages tell the user what to do.
public enum BrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Never authenticated, or signed out.
    case needsAuth(connection: String)
    /// The provider refused the refresh token or the client: log in again.
    case needsReauth(connection: String, reason: String)
    /// The provider or the network failed for now; the connection stays ready.
    case transient(connection: String, reason: String)
    /// The connection cannot be used (sealed data does not open, settings invalid).
    case unusable(connection: String, reason: String)
    /// The vault's store cannot be reached right now (the database restarting); nothing changed.
    case storeUnavailable(connection: String, reason: String)

    public var description: String {
        switch self {
        case .needsAuth(let connection):
            return "connection \(connection) is not authenticated: run keyflow vault auth \(connection)"
        case .needsReauth(let connection, let reason):
            return
                "connection \(connection) needs to be authenticated again (\(reason)): run keyflow vault auth \(connection)"
        case .transient(let connection, let reason):
            return "connection \(connection): the provider could not refresh the token right now (\(reason)); try again"
        case .unusable(let connection, let reason):
            return "connection \(connection) cannot be used: \(reason)"
        case .storeUnavailable(let connection, let reason):
            return "connection \(connection): the vault's store cannot be reached right now (\(reason)); try again"
        }
    }
}
