import Logging
import Metrics
import ServiceLifecycle
import Vault

/// Keeps `keyflow_runs_queued` (the store's count, every team, every `interval`) and
/// `keyflow_runs_running` (this process's worker) up to date while `keyflow serve` runs.
public struct RunGauges: Service, CustomStringConvertible {
    let store: (any RunCounting)?
    let worker: RunWorker?
    let interval: Duration
    let queued: Gauge
    let running: Gauge
    let logger: Logger

    /// Counts `store`'s queue (when it can count) and `worker`'s runs, into `factory`.
    public init(
        store: (any RunCounting)?, worker: RunWorker?, interval: Duration = .seconds(5),
        factory: any MetricsFactory = MetricsSystem.factory, logger: Logger = Logger(label: "keyflow.metrics")
    ) {
        self.store = store
        self.worker = worker
        self.interval = interval
        queued = Gauge(label: KeyflowMetrics.runsQueued, factory: factory)
        running = Gauge(label: KeyflowMetrics.runsRunning, factory: factory)
        self.logger = logger
    }

    /// What the service group's lines call it.
    public var description: String { "RunGauges" }

    /// Updates both gauges now.
    public func update() async {
        running.record(worker?.runningCount ?? 0)
        guard let store else { return }
        do { queued.record(try await store.countQueuedRuns()) } catch {
            // The last count stays; the store's outage shows in the runs' own failures.
            logger.debug("cannot count the queued runs: \(error)")
        }
    }

    /// Updates every `interval` until a graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await update()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
