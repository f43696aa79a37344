/// Failures below HTTP: nothing usable came back.
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete response within the time allowed.
    case timeout(url: String)
    /// The connection failed or broke (refused, reset, TLS, DNS).
    case network(url: String, reason: String)
    /// The response body was larger than the transport accepts.
    case responseTooLarge(url: String, limit: Int)
    /// The task waiting for the response was cancelled (Ctrl-C, a run's timeout).
    case cancelled
    /// The host is, or resolves to, an address the transport's `AddressPolicy` refuses
    /// (loopback, private, link-local… under `keyflow serve`); nothing was sent.
    case addressRefused(url: String, host: String, address: String)

    public var description: String {
        switch self {
        case .timeout(let url): return "no response from \(url) in time"
        case .network(let url, let reason): return "could not reach \(url): \(reason)"
        case .responseTooLarge(let url, let limit): return "the response from \(url) exceeds \(limit) bytes"
        case .cancelled: return "the request was cancelled"
        case .addressRefused(let url, let host, let address):
            let resolved = host == address ? address : "\(host) (\(address))"
            return
                "refused to connect to \(url): \(resolved) is an internal address; the server reaches internal networks "
                + "only when allowed with --allow-network CIDR or KEYFLOW_ALLOW_NETWORK"
        }
    }
}
