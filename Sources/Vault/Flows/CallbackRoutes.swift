import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The two OAuth callback endpoints, `GET /oauth/oauth2/callback` and
/// `GET /oauth/oauth1/callback`. `vault auth` serves them alone; `keyflow serve` mounts them
/// in its app. Each callback finishes the login and answers with a small page for the user.
public enum CallbackRoutes {
    /// What a callback did, reported to whoever waits for the login.
    public typealias Outcome = Result<Connection, any Error>

    /// Adds the callback routes to `router`. `onOutcome` hears each finished or failed login.
    public static func add<Context: RequestContext>(
        to router: Router<Context>, flows: AuthorizationFlows,
        onOutcome: @escaping @Sendable (Outcome) async -> Void = { _ in }
    ) {
        for path in [KeyflowHome.oauth2CallbackPath, KeyflowHome.oauth1CallbackPath] {
            router.get(RouterPath(path)) { request, _ -> Response in
                let outcome: Outcome
                do {
                    outcome = .success(try await flows.complete(path: path, query: request.uri.query ?? ""))
                } catch {
                    outcome = .failure(error)
                }
                await onOutcome(outcome)
                return page(for: outcome)
            }
        }
    }

    public static func page(for outcome: Outcome) -> Response {
        let (status, title, detail): (HTTPResponse.Status, String, String)
        switch outcome {
        case .success(let connection):
            (status, title, detail) = (.ok, "Connected", "“\(connection.name)” is ready. You can close this window.")
        case .failure(let error):
            (status, title, detail) = (.badRequest, "Login failed", String(describing: error))
        }
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Keyflow: \(escape(title))</title>
            </head><body><h1>\(escape(title))</h1><p>\(escape(detail))</p></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        // No style of its own: the policy allows nothing inline (this listener has no static files).
        PageHeaders.apply(to: &headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// HTML-escapes text (provider error descriptions are attacker-controlled).
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// A callback listener on its own, for `keyflow vault auth`: it serves the callbacks until
/// the first login finishes (or fails), then stops.
public struct CallbackListener: Sendable {
    public let host: String
    public let port: Int

    /// The listener for a public URL such as `http://127.0.0.1:8787`.
    public init(publicURL: String) throws {
        guard let url = URL(string: publicURL), let host = url.host else {
            throw VaultError.invalidInput(["KEYFLOW_PUBLIC_URL \(publicURL) is not a URL"])
        }
        self.host = host == "localhost" ? "127.0.0.1" : host
        port = url.port ?? (url.scheme == "https" ? 443 : 80)
    }

    /// Runs `start` once the listener is up, then waits for the first callback outcome, up to
    /// `timeout`. The listener is stopped before this returns.
    public func waitForLogin(flows: AuthorizationFlows, timeout: Duration,
                             start: @escaping @Sendable () async throws -> Void) async throws -> Connection {
        let (outcomes, continuation) = AsyncStream.makeStream(of: CallbackRoutes.Outcome.self)
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        CallbackRoutes.add(to: router, flows: flows) { outcome in continuation.yield(outcome) }
        var logger = Logger(label: "keyflow.callback")
        logger.logLevel = .critical  // shutdown chatter is not the user's business
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "keyflow"),
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

/// No callback arrived in time.
public struct LoginTimeout: Error, CustomStringConvertible {
    public let seconds: Int
    public var description: String { "no login callback arrived within \(seconds) seconds; nothing was changed" }
}

/// The listener ended before a login finished (usually: the port is taken).
public struct ListenerStopped: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public var description: String { "the callback listener on \(host):\(port) stopped (is the port in use?)" }
}
