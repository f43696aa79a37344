import OAuthCore

/// Why the authorizing transport did not send a request (or stopped following redirects).
public enum AuthorizeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request's URL does not parse; the reason says why.
    case invalidURL(String)
    /// `host` is the request's origin in allowed-hosts form (`api.example.com:8443`,
    /// `http://127.0.0.1:8080`); `allowed` the connection's entries.
    case hostNotAllowed(host: String, connection: String, name: String, allowed: [String])
    /// A redirect asked to resend a body to another origin; origins only (paths and queries
    /// may carry secrets).
    case bodyNotResentAcrossOrigins(method: String, from: String, status: Int, to: String)

    /// The message for the user, with what to do.
    public var description: String {
        switch self {
        case .invalidURL(let reason): return reason
        case .hostNotAllowed(let host, let connection, let name, let allowed):
            let advice =
                AllowedOrigin(host) == nil
                ? ". A credential goes over plain http only to a loopback host (http://127.0.0.1:PORT); use https"
                : ". Add it with keyflow vault edit \(connection) --allowed-host \(host)"
            return "connection \(connection) (\(name)) may not be sent to \(host); its allowed origins are "
                + (allowed.isEmpty ? "none" : allowed.joined(separator: ", ")) + advice
        case .bodyNotResentAcrossOrigins(let method, let from, let status, let to):
            return "\(method) \(from) answered \(status) with a redirect to another origin (\(to)); "
                + "a request body is not resent across origins"
        }
    }
}
