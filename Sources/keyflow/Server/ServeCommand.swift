import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OAuthCore
import Server
import ServiceLifecycle
import Vault

/// `keyflow serve`: the web UI, the JSON API, the OAuth callbacks and /healthz, on the same home,
/// master key and vault as the CLI. SIGTERM and Ctrl-C shut it down gracefully.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the web UI (/vault, /agents), the JSON API (/api/v1), the OAuth callbacks and /healthz.",
        discussion: """
            Without users (keyflow users add) it serves the single local team and binds to loopback
            only; with users, the browser signs in with a user's API token (a session cookie), the
            API takes Authorization: Bearer <token>, and each user sees the connections of their team.
            """)
    @Option(help: "The address to bind.") var host: String = "127.0.0.1"
    @Option(help: "The port to bind.") var port: Int = 8787
    @Option(help: "The folder of agents to serve (default: $KEYFLOW_HOME/agents).") var agents: String?

    func run() async throws {
        let vault = try VaultSession.open()
        let hasUsers = try VaultSession.run { !(try vault.store.users().isEmpty) }
        if !hasUsers && !["127.0.0.1", "localhost", "::1"].contains(host) {
            throw CLIError("without users the server is single-user and binds to loopback only; add one with keyflow users add NAME --team T")
        }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        var logger = Logger(label: "keyflow.serve")
        logger.logLevel = .notice
        let agentsDirectory = agents.map { URL(fileURLWithPath: $0) }
        let app = Application(router: KeyflowServer.router(vault: vault, flows: FlowsRegistry(transport: transport), agents: agentsDirectory,
                                                                 binding: .init(host: host, port: port)),
                              configuration: .init(address: .hostname(host, port: port), serverName: "keyflow"),
                              onServerRunning: { _ in
                                  FileHandle.standardError.write(Data("keyflow serve: listening on http://\(host):\(port) (callbacks at \(vault.home.publicURL))\n".utf8))
                              }, logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}
