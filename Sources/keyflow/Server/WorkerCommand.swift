import ArgumentParser
import Foundation
import Logging
import Runtime
import Server
import ServiceLifecycle
import Vault

/// `keyflow worker`: executes queued runs, with no web server. Start as many as there is room
/// for, on any machine that reaches the database (`--database` / `KEYFLOW_DATABASE_URL`) and
/// has the master key; they share the queue without stepping on each other.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Execute queued agent runs (no web server); run several, on any machine that shares the store.",
        discussion: """
            Claims runs with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (one write transaction \
            on SQLite), is woken by LISTEN/NOTIFY (and polls every 2 s anyway), renews the lease of \
            each run it holds, and takes over the runs of workers that stopped. SIGTERM and Ctrl-C stop \
            claiming and let the runs in progress finish.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var network: NetworkOptions
    @Option(help: "How many runs this worker executes at once.")
    var concurrency: Int = RunWorkerConfiguration().concurrency
    @OptionGroup(title: "Limits of each agent run") var runLimits: RunLimitOptions
    @OptionGroup(title: "Leases, attempts and history") var workerOptions: WorkerOptions
    @OptionGroup(title: "Logs") var logging: LoggingOptions

    func validate() throws {
        guard concurrency >= 1, concurrency <= 1_000 else {
            throw ValidationError("--concurrency must be from 1 to 1000")
        }
    }

    func run() async throws {
        try logging.bootstrap()
        let vault = try await VaultSession.open(storeOptions)
        guard let runs = vault.store as? any RunStore, let agents = vault.store as? any AgentStore else {
            throw CommandFailure("this vault's store keeps no runs")
        }
        let transport = try network.transport()
        defer { Task { try? await transport.shutdown() } }
        var logger = Logger(label: "keyflow.worker")
        logger.logLevel = KeyflowLogging.level
        let observability = try Observability.start(vault: vault, metrics: nil, logger: logger)
        let configuration = workerOptions.configuration(concurrency: concurrency, limits: runLimits.limits)
        let worker = RunWorker(
            root: vault, runs: runs, agents: agents, transport: transport, brokers: TeamBrokers(transport: transport),
            configuration: configuration, logger: logger)
        // The URL is described with its password masked.
        let store = (try? storeOptions.location())??.description ?? vault.home.vaultPath.path
        FileHandle.standardError.write(
            Data("keyflow worker \(configuration.id): up to \(concurrency) runs at once, from \(store)\n".utf8))
        let services = ServiceGroup(
            configuration: .init(
                services: observability.services(worker: worker, runs: runs) + [worker],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}
