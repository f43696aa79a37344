import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The second listener of `keyflow serve`: `GET /metrics` in Prometheus' text format, on its
/// own address (`--metrics-address`), never on the public one, since the numbers span every
/// team. It answers only requests whose Host is the address it was asked for or a loopback
/// name, so a web page cannot read it through DNS rebinding.
public struct MetricsListener: Service, CustomStringConvertible {
    let address: MetricsAddress
    let registry: PrometheusCollectorRegistry
    let beforeScrape: @Sendable () async -> Void
    let required: Bool
    let logger: Logger

    /// Serves `registry` at `address`. `beforeScrape` refreshes what is cheap to read at
    /// scrape time. When the address was not asked for (`required` false, the default
    /// address) and cannot be bound, the server runs on without metrics and says so.
    public init(
        address: MetricsAddress, registry: PrometheusCollectorRegistry, required: Bool,
        beforeScrape: @escaping @Sendable () async -> Void = {}, logger: Logger
    ) {
        self.address = address
        self.registry = registry
        self.required = required
        self.beforeScrape = beforeScrape
        self.logger = logger
    }

    /// What the service group's lines call it.
    public var description: String { "MetricsListener(\(address))" }

    /// The router: `/metrics` only.
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let hosts = Set([
            "localhost", "127.0.0.1", "[::1]", address.host.lowercased(), "[\(address.host.lowercased())]",
        ])
        router.get("/metrics") { [registry, beforeScrape] request, _ -> Response in
            // Host: NAME[:PORT]; a name this listener was not asked for is refused.
            guard let authority = request.head.authority, let (name, _) = Authority.split(Substring(authority)),
                hosts.contains(name)
            else { return Response(status: .misdirectedRequest) }
            await beforeScrape()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return router
    }

    /// Serves until a graceful shutdown.
    public func run() async throws {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "keyflow-metrics"),
            onServerRunning: { [address, logger] _ in
                logger.notice("metrics at http://\(address)/metrics")
            }, logger: quiet)
        do { try await app.run() } catch {
            guard !required else { throw error }
            logger.error("no metrics: cannot listen on \(address) (\(error)); choose one with --metrics-address")
            try? await gracefulShutdown()
        }
    }
}
