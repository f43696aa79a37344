import Foundation
import Runtime

/// A run's trace as JSON, as the API returns it and a run's record keeps it: each component's
/// outcome and time (`duration_ms`, as in `keyflow run --trace`, which the agent page's graph
/// shows) and, for HTTP steps, the redacted exchange (no header values, query values or
/// bodies; every vault value the run rendered masked by the executor).
enum TraceJSON {
    static func entries(_ trace: [TraceEntry]) -> [JSONValue] {
        trace.map { entry in
            var object = JSONObject([
                ("component", .string(entry.componentID)), ("type", .string(entry.type)),
                ("title", .string(entry.title)),
                ("status", .string(entry.succeeded ? "succeeded" : "failed")),
                ("duration_ms", .number((SafeNumbers.seconds(of: entry.duration) * 1e6).rounded() / 1000)),
                ("error", entry.error.map(JSONValue.string) ?? .null),
            ])
            if let http = entry.http { object["http"] = http }
            if let llm = entry.llm { object["llm"] = llm }
            if let scope = entry.scope { object["scope"] = .string(scope) }
            return .object(object)
        }
    }
}
