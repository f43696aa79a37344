import Hummingbird
import Metrics

/// Counts and times every request by the route it matched (the pattern, e.g.
/// `/api/v1/agents/{name}/run`, never the raw path: ids and names would make a series each),
/// its method and its status, errors included: `keyflow_http_requests_total` and
/// `keyflow_http_request_duration_seconds`. A request that matched no route is `unmatched`.
/// (Hummingbird's own `MetricsMiddleware` names its counter `hb_requests` without `_total` and
/// does not time the requests that end in an error.)
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requests: String { "keyflow_http_requests_total" }
    static var duration: String { "keyflow_http_request_duration_seconds" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let began = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context: context, status: response.status.code, since: began)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context: context, status: status, since: began)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: Int, since began: ContinuousClock.Instant) {
        let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
        let dimensions = [
            ("route", route), ("method", request.method.rawValue), ("status", String(status)),
        ]
        Counter(label: Self.requests, dimensions: dimensions).increment()
        let elapsed = ContinuousClock.now - began
        Timer(label: Self.duration, dimensions: dimensions).recordNanoseconds(
            elapsed.components.seconds &* 1_000_000_000 &+ elapsed.components.attoseconds / 1_000_000_000)
    }
}
