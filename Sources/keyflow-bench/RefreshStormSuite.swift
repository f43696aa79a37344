import Foundation
import OAuthCore
import Runtime
import Vault

/// `refresh-storm`: 1,000 concurrent requests on one connection whose token just expired,
/// against the local token endpoint and API: how many refresh requests reach the provider
/// (the target is exactly one) and the wall time until every response is in, compared with
/// one refresh plus one request made alone. The server adds a fixed latency to the token
/// endpoint and the API, as a provider across a network would have; without it the figures
/// would measure this machine's loopback throughput, not the broker. The server runs in a
/// child process (`ProviderProcess`), so that its event loop is not the one Keyflow's requests
/// and responses run on: the wall time is Keyflow's, not a shared loop's.
enum RefreshStormSuite {
    static let latency = LocalServer.Latency(token: .milliseconds(50), api: .milliseconds(20))

    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let server = try await ProviderProcess.start()
        let home = try await BenchHome(
            base: server.baseURL, tokenURL: server.tokenURL, accessToken: try await server.counts().token)
        defer { home.remove() }
        let callers = scale.smoke ? 50 : 1_000
        // One connection per concurrent request, so that the client's pool does not queue them.
        let transport = AsyncHTTPTransport(connectionsPerHost: callers)
        let url = server.baseURL + "/api/storm"

        // The reference: one refresh and one request, alone, with the same latency (median).
        try await server.reset(latency: latency, checkBearer: true)
        var singles: [Double] = []
        for _ in 0...scale.runs {
            try await home.expireBearer()
            let http = AuthorizingTransport(
                base: transport,
                credentials: ConnectionCredentials(
                    broker: TokenBroker(vault: home.vault, transport: transport), connection: home.bearerID))
            let start = Measure.now()
            let response = try await http.send(HTTPTransportRequest(method: "GET", url: url), timeout: .seconds(30))
            guard response.status == 200 else {
                throw Shell.Failure(description: "single request: HTTP \(response.status)")
            }
            singles.append(Measure.now() - start)
        }
        let single = Measure.median(Array(singles.dropFirst()))

        // The storm: a new broker (as in a new run) and all callers at once, several times.
        var walls: [Double] = []
        var refreshes: [Int] = []
        var rejected = 0
        for run in 0...scale.runs {
            try await home.expireBearer()
            try await server.reset(latency: latency, checkBearer: true)
            let http = AuthorizingTransport(
                base: transport,
                credentials: ConnectionCredentials(
                    broker: TokenBroker(vault: home.vault, transport: transport), connection: home.bearerID))
            let start = Measure.now()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        try await http.send(HTTPTransportRequest(method: "GET", url: url), timeout: .seconds(30)).status
                    }
                }
                for try await status in group where status != 200 {
                    throw Shell.Failure(description: "storm: HTTP \(status)")
                }
            }
            let wall = Measure.now() - start
            if run > 0 {  // run 0 is the warm-up (it opens the connections)
                let counts = try await server.counts().counts
                walls.append(wall)
                refreshes.append(counts.refreshes)
                rejected += counts.rejected
            }
        }
        try await transport.shutdown()
        await server.stop()

        let wall = Measure.median(walls)
        let maxRefreshes = refreshes.max() ?? -1
        return [
            ResultRow(
                suite: "refresh-storm", name: "refresh requests for \(callers) callers", value: Double(maxRefreshes),
                unit: "refreshes",
                comparison: "runs: \(refreshes.map(String.init).joined(separator: ", "))", target: "exactly 1",
                met: refreshes.allSatisfy { $0 == 1 } && rejected == 0,
                note: rejected == 0 ? nil : "\(rejected) requests were sent with a stale token"),
            ResultRow(
                suite: "refresh-storm", name: "wall time, \(callers) callers", value: wall * 1e3, unit: "ms",
                comparison: "one refresh + one request \(Report.format(single * 1e3)) ms", ratio: wall / single,
                target: "≤ 2×", met: wall / single <= 2,
                note: "token endpoint +50 ms, API +20 ms of simulated provider latency; the provider in a child process"
            ),
        ]
    }
}
