/// The one seam through which OAuthCore talks HTTP. Token endpoints, request-token
/// endpoints and revocation all go through it, so tests and benchmarks can swap the network.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the whole response; throws `HTTPTransportError` when no
    /// response arrived in `timeout`.
    func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse
}
