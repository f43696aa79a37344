import OAuthCore

/// The transport under an agent's APICalls: every request it passes on, including retries
/// and redirects, carries the run's response body limit, so that the transport stops reading
/// a body at that size instead of buffering whatever an endpoint sends.
struct ResponseSizeLimit: HTTPTransport {
    let base: any HTTPTransport
    let maxResponseBytes: Int

    func send(_ request: HTTPTransportRequest, timeout: Duration) async throws -> HTTPTransportResponse {
        var limited = request
        limited.maxResponseBytes = maxResponseBytes
        return try await base.send(limited, timeout: timeout)
    }
}
