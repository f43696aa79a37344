import Metrics
import Vault

/// Counts the vault's events that `/metrics` shows: credential uses by connection and status,
/// refreshes and refresh failures by connection. Registered on the server's root vault
/// (`vault.events.add`), so every team's events reach it. Counting is in memory: `record`
/// never waits on anything.
public struct VaultMetricsSink: VaultEventSink {
    let factory: any MetricsFactory

    /// Counts into `factory` (the process's bootstrapped one by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Increments the counter of the event, if it is one that is counted.
    public func record(_ event: VaultEvent) async {
        let connection = event.connection ?? "none"
        switch event.action {
        case .credentialUse:
            let status = event.status.map(String.init) ?? "error"
            Counter(
                label: KeyflowMetrics.apiCalls, dimensions: [("connection", connection), ("status", status)],
                factory: factory
            ).increment()
        case .connectionRefresh:
            Counter(label: KeyflowMetrics.refreshes, dimensions: [("connection", connection)], factory: factory)
                .increment()
        case .connectionRefreshFailed:
            Counter(label: KeyflowMetrics.refreshFailures, dimensions: [("connection", connection)], factory: factory)
                .increment()
        default:
            break
        }
    }

    /// Nothing is buffered.
    public func flush() async {}
}
