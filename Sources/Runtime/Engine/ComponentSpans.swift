import Logging
import OAuthCore
import ServiceContextModule
import Tracing

/// The spans of a run's components (swift-distributed-tracing; no-ops unless a tracer is
/// bootstrapped, as `keyflow serve` does when OTLP is configured). A span carries names, ids,
/// types and statuses only: never an input, an output, a header value, a query or an error's
/// text (a provider's error body may quote anything).
enum ComponentSpans {
    /// Trace-level lines for each component's start and end (type and outcome, no values).
    static let logger = Logger(label: "keyflow.runtime")

    /// Whether a tracer is bootstrapped (or bound to the task): without one, a component's
    /// span would be a no-op span in the context the component already has, so none is made.
    /// Read once per run's flow rather than per component (it takes a lock).
    static var tracing: Bool { !(InstrumentationSystem.tracer is NoOpTracer) }

    /// Runs `body` in a span `component TYPE` with the component's id and type; with
    /// `traced` false (no tracer, see `tracing`), only the trace-level lines.
    static func around<T>(_ component: Component, traced: Bool = true, _ body: () async throws -> T) async throws -> T {
        guard traced else { return try await logged(component, body) }
        let span = InstrumentationSystem.tracer.startAnySpan(
            "component " + component.type, context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        defer { span.end() }
        span.attributes["keyflow.component.id"] = component.id
        span.attributes["keyflow.component.type"] = component.type
        return try await ServiceContext.withValue(span.context) {
            do {
                return try await logged(component, body)
            } catch {
                span.attributes["error.type"] = String(describing: type(of: error))
                span.setStatus(SpanStatus(code: .error))
                throw error
            }
        }
    }

    /// Runs `body` between trace-level lines for the component's start and end (type and
    /// outcome, no values).
    private static func logged<T>(_ component: Component, _ body: () async throws -> T) async throws -> T {
        logger.trace("component started", metadata: ["type": .string(component.type)])
        do {
            let result = try await body()
            logger.trace("component finished", metadata: ["type": .string(component.type)])
            return result
        } catch {
            logger.trace(
                "component failed",
                metadata: ["type": .string(component.type), "error_type": .string(String(describing: type(of: error)))])
            throw error
        }
    }

    /// Sends `request` in a client span `HTTP METHOD` with the method, the server's address
    /// and port, the URL as the agent wrote it (`url.template`, before any query), the
    /// connection's id and the response's status. With `propagate`, the request carries the
    /// span's W3C `traceparent` (and `tracestate`), replacing any the agent set.
    static func send(
        _ request: HTTPTransportRequest, target: RequestURL, template: String, connectionID: String?,
        propagate: Bool, _ send: (HTTPTransportRequest) async throws -> HTTPTransportResponse
    ) async throws -> HTTPTransportResponse {
        let span = InstrumentationSystem.tracer.startAnySpan(
            "HTTP " + request.method, context: ServiceContext.current ?? .topLevel, ofKind: .client)
        defer { span.end() }
        // Nothing is recorded without a tracer, and nothing is propagated either: `propagate`
        // injects the span's context through the instrument, a no-op too.
        guard !(span is NoOpTracer.NoOpSpan) else { return try await send(request) }
        span.attributes["http.request.method"] = request.method
        span.attributes["server.address"] = target.host
        span.attributes["server.port"] = target.port ?? (target.scheme == "https" ? 443 : 80)
        span.attributes["url.scheme"] = target.scheme
        span.attributes["url.template"] = String(template.prefix { $0 != "?" && $0 != "#" })
        if let connectionID { span.attributes["keyflow.connection.id"] = connectionID }
        var request = request
        if propagate {
            var carried: [(name: String, value: String)] = []
            InstrumentationSystem.instrument.inject(span.context, into: &carried, using: HeaderInjector())
            let names = Set(carried.map { $0.name.lowercased() })
            request.headers.removeAll { names.contains($0.name.lowercased()) }
            request.headers += carried
        }
        do {
            let response = try await ServiceContext.withValue(span.context) { try await send(request) }
            span.attributes["http.response.status_code"] = response.status
            if response.status >= 400 { span.setStatus(SpanStatus(code: .error)) }
            return response
        } catch {
            span.attributes["error.type"] = String(describing: type(of: error))
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}

/// Writes propagation headers (`traceparent`, `tracestate`) into a request's header list.
struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(name: String, value: String)]) {
        carrier.append((key.lowercased(), value))
    }
}
