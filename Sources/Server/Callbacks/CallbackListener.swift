import Accounts
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Vault

/// A callback listener on its own, for `keyflow vault auth` and the other CLI logins: it
/// serves `CallbackRoutes` until the first login finishes (or fails), then stops.
public struct CallbackListener: Sendable {
    /// The address listened on (`localhost` becomes 127.0.0.1).
    public let host: String
    /// The port listened on.
    public let port: Int

    /// The listener for a public URL such as `http://127.0.0.1:8787`.
    public init(publicURL: PublicURL) throws {
        guard let url = URL(string: publicURL.base), let host = url.host else {
            throw VaultError.invalidInput(["KEYFLOW_PUBLIC_URL \(publicURL) is not a URL"])
        }
        self.host = host == "localhost" ? "127.0.0.1" : host
        port = url.port ?? (url.scheme == "https" ? 443 : 80)
    }

    /// Runs `start` once the listener is up, then waits for the first callback outcome, up to
    /// `timeout`. The listener is stopped before this returns.
    public func waitForLogin(
        flows: AuthorizationFlows, timeout: Duration,
        start: @escaping @Sendable () async throws -> Void
    ) async throws -> Connection {
        let (outcomes, continuation) = AsyncStream.makeStream(of: CallbackRoutes.Outcome.self)
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        CallbackRoutes.add(to: router, flows: flows) { outcome in continuation.yield(outcome) }
        var logger = Logger(label: "keyflow.callback")
        logger.logLevel = .critical  // shutdown chatter is not the user's business
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "keyflow"),
            onServerRunning: { _ in readyContinuation.yield() }, logger: logger)
        // A graceful shutdown lets the callback's page reach the browser before we stop.
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))

        return try await withThrowingTaskGroup(of: Connection?.self) { group in
            group.addTask {
                try await services.run()
                return nil
            }
            group.addTask {
                for await _ in ready { break }
                try await start()
                for await outcome in outcomes {
                    await services.triggerGracefulShutdown()
                    return try outcome.get()
                }
                throw CancellationError()
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw LoginTimeout(seconds: Int(timeout.components.seconds))
            }
            var result: Connection?
            while true {
                do {
                    guard let next = try await group.next() else { break }
                    if let connection = next {
                        // Logged in. Give the graceful shutdown two seconds to deliver the page.
                        result = connection
                        group.addTask {
                            try await Task.sleep(for: .seconds(2))
                            return nil
                        }
                        continue
                    }
                    if result != nil { break }
                    throw ListenerStopped(host: host, port: port)
                } catch {
                    if result != nil { break }
                    group.cancelAll()
                    throw error
                }
            }
            group.cancelAll()
            if let result { return result }
            throw CancellationError()
        }
    }
}
