import Metrics
import Prometheus
import Synchronization

/// The metrics `keyflow serve` exposes at `/metrics` (`--metrics-address`), through
/// swift-metrics with swift-prometheus behind it. Labels are bounded by design: a route
/// pattern, a method, a status, a connection id, a run's final status; never a raw path, a
/// query, a user's input or a secret.
public enum KeyflowMetrics {
    /// `keyflow_api_calls_total{connection, status}`: credential uses (APICall and LLM steps);
    /// `status` is the HTTP status ("200") or "error" when no response came.
    public static let apiCalls = "keyflow_api_calls_total"
    /// `keyflow_token_refreshes_total{connection}`: tokens refreshed (or fetched with client credentials).
    public static let refreshes = "keyflow_token_refreshes_total"
    /// `keyflow_token_refresh_failures_total{connection}`: refreshes that failed.
    public static let refreshFailures = "keyflow_token_refresh_failures_total"
    /// `keyflow_run_duration_seconds{status}`: how long the runs this process executed took,
    /// by final status (succeeded, failed, cancelled).
    public static let runDuration = "keyflow_run_duration_seconds"
    /// `keyflow_runs_queued`: runs waiting in the store, every team (counted every few seconds).
    public static let runsQueued = "keyflow_runs_queued"
    /// `keyflow_runs_running`: runs this process's worker is executing.
    public static let runsRunning = "keyflow_runs_running"

    /// Run durations span milliseconds to the wall-time limit (minutes).
    static let runDurationBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        .seconds(300), .seconds(600),
    ]

    /// A Prometheus factory writing to `registry`, with Keyflow's histogram buckets.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [runDuration: runDurationBuckets]
        return factory
    }

    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Makes Prometheus the process's metrics backend (once; later calls return the same
    /// registry) and returns the registry that `/metrics` writes out.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        bootstrapped.withLock { registry in
            if let registry { return registry }
            let made = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(factory(registry: made))
            registry = made
            return made
        }
    }
}
