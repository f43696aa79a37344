import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Vault

/// What `keyflow serve` and `keyflow worker` start for metrics, logs and traces, once per
/// process: the tracer when OTLP is configured, Prometheus and its listener when a metrics
/// address is given, and the vault sinks that count and log the vault's events.
public struct Observability: Sendable {
    let vault: Vault
    let registry: PrometheusCollectorRegistry?
    let metricsAddress: MetricsAddress?
    let metricsAddressRequired: Bool
    let tracing: (any Service)?
    let logger: Logger

    /// Bootstraps what is asked for: traces when `environment` names an OTLP endpoint, metrics
    /// at `metrics` (nil: none; `explicit` false: the default address, given up with an error
    /// line when taken). The vault's events are counted (with metrics) and logged at debug level.
    public static func start(
        vault: Vault, metrics: (address: MetricsAddress, explicit: Bool)?, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Observability {
        let tracing = try KeyflowTracing.bootstrap(environment: environment, logger: logger)
        var registry: PrometheusCollectorRegistry?
        if metrics != nil {
            registry = KeyflowMetrics.bootstrap()
            vault.events.add(VaultMetricsSink())
        }
        var vaultLogger = Logger(label: "keyflow.vault")
        vaultLogger.logLevel = KeyflowLogging.level
        if vaultLogger.logLevel <= .debug { vault.events.add(VaultLogSink(logger: vaultLogger)) }
        return Observability(
            vault: vault, registry: registry, metricsAddress: metrics?.address,
            metricsAddressRequired: metrics?.explicit ?? false, tracing: tracing, logger: logger)
    }

    /// The services to run beside the server (first in its group, so they stop last and the
    /// exporter flushes the spans of the runs that finished while it shut down).
    public func services(worker: RunWorker?, runs: (any RunStore)?) -> [any Service] {
        var services: [any Service] = []
        if let tracing { services.append(tracing) }
        if let registry, let metricsAddress {
            let gauges = RunGauges(store: runs as? any RunCounting, worker: worker, logger: logger)
            services.append(gauges)
            services.append(
                MetricsListener(
                    address: metricsAddress, registry: registry, required: metricsAddressRequired,
                    beforeScrape: { gauges.running.record(worker?.runningCount ?? 0) }, logger: logger))
        }
        return services
    }

    /// `services(worker:runs:)` for a node of `keyflow serve`.
    public func services(node: KeyflowNode) -> [any Service] {
        services(worker: node.worker, runs: vault.store as? any RunStore)
    }
}
