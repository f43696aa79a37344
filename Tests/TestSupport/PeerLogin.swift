import OAuthCore
import Vault

/// Logs a connection in through the flows, acting as the user at the peer's consent page.
/// The callback is handed to the flows directly (the listener has its own test); with
/// `finishingOn`, to another node's flows, as a load balancer would route it: then the login
/// must have gone through the browser, or no callback reached the other node.
public func login(
    _ flows: AuthorizationFlows, _ id: String, transport: any HTTPTransport, approve: Bool = true,
    finishingOn other: AuthorizationFlows? = nil
) async throws -> Connection {
    switch try await flows.start(id) {
    case .completed(let connection):
        if other != nil { throw PeerLoginError.noBrowserStep(connection: id) }
        return connection
    case .browser(let url):
        let location = try RequestURL(try await ConsentPage.decide(url, approve: approve, using: transport))
        return try await (other ?? flows).complete(path: location.path, query: location.query ?? "")
    }
}

/// A login that was meant to cross nodes finished without a callback.
public enum PeerLoginError: Error, CustomStringConvertible {
    /// The flow completed at once (no browser step), so no other node was involved.
    case noBrowserStep(connection: String)

    public var description: String {
        switch self {
        case .noBrowserStep(let connection): return "the login of \(connection) asked for no browser"
        }
    }
}
