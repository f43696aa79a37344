import Accounts
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OAuthCore
import Runtime
import Server
import ServiceLifecycle
import Vault

/// `keyflow serve`: the web UI, the JSON API, the OAuth callbacks and /healthz, on the same home,
/// master key and vault as the CLI. SIGTERM and Ctrl-C shut it down gracefully.
struct ServeCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the web UI (/vault, /agents), the JSON API (/api/v1), the OAuth callbacks and /healthz.",
        discussion: """
            Without users (keyflow users add) it serves the single local team and binds to loopback
            only; with users, the browser signs in with a user's API token (a session cookie), the
            API takes Authorization: Bearer <token>, and each user sees the connections of their team.
            Requests it makes for agents and logins never connect to loopback, private, link-local or
            other internal addresses (checked on the resolved address) unless --allow-network allows them.
            Agent runs are queued in the store; a worker in this process executes them unless
            --no-worker (then `keyflow worker` processes do, on any machine sharing the store).
            With KEYFLOW_WEBHOOK_URL (and KEYFLOW_WEBHOOK_SECRET), a connection that turns needs-reauth
            or recovers is reported to that URL in the Standard Webhooks format (see the README).
            """)
    @Option(help: "The address to bind.") var host: String = "127.0.0.1"
    @Option(help: "The port to bind.") var port: Int = 8787
    @Option(
        help: ArgumentHelp(
            "A folder of NAME.smyth files to add to the local team's agents at start-up (default: $KEYFLOW_HOME/agents, if it exists).",
            discussion:
                "Agents the team already has are never overwritten; other teams use keyflow agents import DIR --team T."
        ))
    var agents: String?
    @OptionGroup var network: NetworkOptions
    @OptionGroup(title: "Limits of each agent run") var runLimits: RunLimitOptions
    @OptionGroup(title: "The run worker in this process") var workerOptions: WorkerOptions
    @Flag(help: "Run no worker here: queued runs wait for `keyflow worker` processes (on this or other machines).")
    var noWorker = false
    @Option(help: "How many runs this process's worker executes at once.")
    var workerConcurrency: Int = RunWorkerConfiguration().concurrency
    @Option(help: "How many runs one team may have waiting in the queue; more are refused with 429.")
    var maxQueuedRuns: Int = RunQueue.defaultMaxQueued
    @Option(
        help: ArgumentHelp(
            "Delete audit records older than this (e.g. 90d, 12w), leaving signed checkpoints; default: keep forever.",
            valueName: "age"))
    var auditRetention: String?
    @OptionGroup(title: "Logs") var logging: LoggingOptions
    @OptionGroup(title: "Metrics") var metrics: MetricsOptions
    @Option(
        help: ArgumentHelp(
            "Refresh OAuth 2.0 tokens that expire within DURATION (30s, 5m, 2h, 7d) in the background, before any run needs them.",
            discussion: "Keep it shorter than the provider's token lifetime.", valueName: "DURATION"))
    var refreshAhead: String?
    @Option(
        help: ArgumentHelp(
            "Refresh connections whose tokens were not refreshed for DURATION (e.g. 7d), for providers whose refresh tokens die unused.",
            valueName: "DURATION"))
    var refreshIdleEvery: String?

    func validate() throws {
        guard workerConcurrency >= 1 else { throw ValidationError("--worker-concurrency must be 1 or more") }
        guard maxQueuedRuns >= 1 else { throw ValidationError("--max-queued-runs must be 1 or more") }
        if let refreshAhead, DurationText.seconds(refreshAhead) == nil {
            throw ValidationError("--refresh-ahead: give a duration such as 30s, 5m, 2h or 7d")
        }
        if let refreshIdleEvery, DurationText.seconds(refreshIdleEvery) == nil {
            throw ValidationError("--refresh-idle-every: give a duration such as 12h or 7d")
        }
        if let auditRetention, (AuditTime.duration(auditRetention) ?? 0) < 3_600 {
            throw ValidationError("--audit-retention: an age of an hour or more, like 90d or 12w")
        }
    }

    func run() async throws {
        try logging.bootstrap()
        let vault = try await VaultSession.open(storeOptions)
        let accounts = try VaultSession.run { try vault.accounts }
        let publicURL = VaultSession.publicURL
        let hasUsers = try await VaultSession.run { !(try await accounts.users().isEmpty) }
        if !hasUsers && !["127.0.0.1", "localhost", "::1"].contains(host) {
            throw CLIError(
                "without users the server is single-user and binds to loopback only; add one with keyflow users add NAME --team T"
            )
        }
        let transport = try network.transport()
        defer { Task { try? await transport.shutdown() } }
        var logger = Logger(label: "keyflow.serve")
        logger.logLevel = KeyflowLogging.level
        let observability = try Observability.start(
            vault: vault, metrics: try metrics.address(), logger: logger)
        try await importAgents(into: vault)
        let worker = workerOptions.configuration(concurrency: workerConcurrency, limits: runLimits.limits)
        let webhook: StatusWebhookConfiguration?
        do { webhook = try StatusWebhookConfiguration.fromEnvironment(ProcessInfo.processInfo.environment) } catch {
            throw CLIError("\(error)")
        }
        var refresher: BackgroundRefreshConfiguration?
        if refreshAhead != nil || refreshIdleEvery != nil {
            refresher = BackgroundRefreshConfiguration(
                ahead: refreshAhead.flatMap(DurationText.seconds),
                idleEvery: refreshIdleEvery.flatMap(DurationText.seconds))
        }
        let node = try VaultSession.run {
            try KeyflowServer.node(
                vault: vault, accounts: accounts, flows: FlowsRegistry(transport: transport, publicURL: publicURL),
                binding: .init(host: host, port: port), runLimits: worker.limits, worker: noWorker ? nil : worker,
                maxQueuedRuns: maxQueuedRuns, refresher: refresher, webhook: webhook)
        }
        let app = Application(
            router: node.router,
            configuration: .init(address: .hostname(host, port: port), serverName: "keyflow"),
            onServerRunning: { _ in
                FileHandle.standardError.write(
                    Data("keyflow serve: listening on http://\(host):\(port) (callbacks at \(publicURL))\n".utf8))
            }, logger: logger)
        let heartbeat = ServeNodeHeartbeat(registry: vault.store)
        let retention: [any Service] =
            auditRetention.flatMap(AuditTime.duration).map {
                [AuditRetention(vault: vault, retention: $0)]
            } ?? []
        let services = ServiceGroup(
            configuration: .init(
                services: observability.services(node: node) + [app, heartbeat] + node.services + retention,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await services.run()
        await vault.events.flush()  // the credential uses still buffered for the audit trail
    }

    /// Agents live in the vault, per team. `--agents DIR` (or the folder earlier versions served,
    /// `$KEYFLOW_HOME/agents`) adds its files to the local team: new names only, so a restart
    /// never overwrites what was saved through the API or the pages.
    func importAgents(into vault: Vault) async throws {
        let folder = agents.map { URL(fileURLWithPath: $0) } ?? vault.home.directory.appendingPathComponent("agents")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            if agents != nil { throw CLIError("--agents \(folder.path): not a folder") }
            return
        }
        guard let store = vault.store as? any AgentStore else {
            throw CommandFailure("this vault's store keeps no agents")
        }
        let report = try await VaultSession.run {
            try await AgentImport.run(directory: folder, team: Vault.localTeam, store: store, changedBy: "import")
        }
        for failure in report.failed { Output.warn("\(folder.path)/\(failure.file) not imported: \(failure.problem)") }
        Output.note(
            "agents from \(folder.path) for team \(Vault.localTeam): \(report.added.count) added, "
                + "\(report.skipped.count) already stored (not overwritten), \(report.failed.count) failed")
    }
}
