import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP API and OAuth 2.0 token endpoint in this process, on a free loopback port:
/// what `e2e`, `refresh-storm` and `cold` send their requests to. It counts what it serves,
/// and can add a fixed latency to stand in for a real provider across a network.
final class LocalServer: Sendable {
    struct Counts: Sendable {
        var apiRequests = 0
        var refreshes = 0
        /// API requests answered 401 because their Bearer token was not the current one.
        var rejected = 0
        /// The most API requests it held at once (in their latency), to show that runs overlapped.
        var maxInFlight = 0
    }

    /// Server-side delays, to model a provider's latency (zero by default).
    struct Latency: Sendable {
        var token: Duration = .zero
        var api: Duration = .zero
    }

    private let state = Mutex<
        (counts: Counts, token: String, generation: Int, latency: Latency, checkBearer: Bool, inFlight: Int)
    >((Counts(), "at-0", 0, Latency(), false, 0))
    private let task: Task<Void, any Error>
    private let group: ServiceGroup
    let baseURL: String

    /// The token endpoint's URL, for connections.
    var tokenURL: String { baseURL + "/token" }

    private init(task: Task<Void, any Error>, group: ServiceGroup, baseURL: String, shared: LocalServerShared) {
        self.task = task
        self.group = group
        self.baseURL = baseURL
        shared.server.withLock { $0 = self }
    }

    /// Starts the server and returns once it listens. With `control`, it also answers
    /// `POST /control/reset` and `GET /control/counts`, for a parent process (`ProviderProcess`).
    static func start(control: Bool = false) async throws -> LocalServer {
        var logger = Logger(label: "keyflow-bench.server")
        logger.logLevel = .critical
        let shared = LocalServerShared()
        let router = Router()
        router.get("/api/:name") { request, context -> Response in
            try await shared.api(request, name: context.parameters.get("name") ?? "")
        }
        router.post("/token") { _, _ -> Response in
            try await shared.token()
        }
        if control { ProviderProcess.addControl(to: router, shared) }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bench"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var port = 0
        for await value in ports { port = value; break }
        return LocalServer(task: task, group: group, baseURL: "http://127.0.0.1:\(port)", shared: shared)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    var counts: Counts { state.withLock { $0.counts } }
    var currentToken: String { state.withLock { $0.token } }

    func reset(latency: Latency = Latency(), checkBearer: Bool = false) {
        state.withLock {
            $0.counts = Counts()
            $0.latency = latency
            $0.checkBearer = checkBearer
        }
    }

    // MARK: - Handlers

    fileprivate func api(_ request: Request, name: String) async throws -> Response {
        let (latency, accepted) = state.withLock { state -> (Duration, Bool) in
            let ok = !state.checkBearer || request.headers[.authorization] == "Bearer \(state.token)"
            if ok { state.counts.apiRequests += 1 } else { state.counts.rejected += 1 }
            state.inFlight += 1
            state.counts.maxInFlight = max(state.counts.maxInFlight, state.inFlight)
            return (state.latency.api, ok)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if latency > .zero { try await Task.sleep(for: latency) }
        guard accepted else { return Self.json(401, #"{"error":"invalid_token"}"#) }
        return Self.json(200, #"{"name":"\#(name)","ok":true,"items":[1,2,3]}"#)
    }

    fileprivate func token() async throws -> Response {
        let (latency, token) = state.withLock { state -> (Duration, String) in
            state.counts.refreshes += 1
            state.generation += 1
            state.token = "at-\(state.generation)"
            return (state.latency.token, state.token)
        }
        if latency > .zero { try await Task.sleep(for: latency) }
        return Self.json(
            200, #"{"access_token":"\#(token)","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-\#(token)"}"#
        )
    }

    static func json(_ status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Lets the router's closures, made before the server object exists, reach it.
final class LocalServerShared: Sendable {
    let server = Mutex<LocalServer?>(nil)

    func api(_ request: Request, name: String) async throws -> Response {
        guard let server = server.withLock({ $0 }) else { return LocalServer.json(503, "{}") }
        return try await server.api(request, name: name)
    }

    func token() async throws -> Response {
        guard let server = server.withLock({ $0 }) else { return LocalServer.json(503, "{}") }
        return try await server.token()
    }
}
