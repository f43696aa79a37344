import Foundation
import OAuthCore
import Vault

/// `authorize`: what the authorizing transport's authorize step (`ConnectionCredentials.authorize`)
/// adds to one request when the token is cached and valid, in ns per request: URL parse, origin
/// check, credential lookup and the header, for
/// Bearer and for OAuth 1.0a (which signs every request, so it is compared with `sign`).
enum AuthorizeSuite {
    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let server = try await LocalServer.start()
        let home = try await BenchHome(server: server)
        let transport = AsyncHTTPTransport()
        defer { home.remove() }
        let broker = TokenBroker(vault: home.vault, transport: transport)
        let bearerCredentials = ConnectionCredentials(broker: broker, connection: home.bearerID)
        let oauth1Credentials = ConnectionCredentials(broker: broker, connection: home.oauth1ID)

        let bearerTemplate = HTTPTransportRequest(
            method: "GET", url: server.baseURL + "/api/items?page=2&per_page=50",
            headers: [("Accept", "application/json")])
        let bearer = try await Measure.perIteration(runs: scale.runs, iterations: scale.iterations(50_000)) {
            var request = bearerTemplate
            try await bearerCredentials.authorize(&request, url: try request.requestURL(), rejected: nil)
            blackHole(request)
        }

        // The sign suite's typical request, sent to the local server so that its host is allowed.
        let oauth1Template = HTTPTransportRequest(
            method: SignSuite.method,
            url: SignSuite.url.replacingOccurrences(of: "https://api.example.com", with: server.baseURL),
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(SignSuite.body.utf8))
        let oauth1 = try await Measure.perIteration(runs: scale.runs, iterations: scale.iterations(50_000)) {
            var request = oauth1Template
            try await oauth1Credentials.authorize(&request, url: try request.requestURL(), rejected: nil)
            blackHole(request)
        }
        let sign = try SignSuite.keyflowSecondsPerHeader(scale)
        let refreshes = server.counts.refreshes
        try await transport.shutdown()
        await server.stop()

        return [
            ResultRow(
                suite: "authorize", name: "Bearer, cached token", value: bearer * 1e9, unit: "ns/request",
                comparison: "target 2,000 ns", ratio: bearer * 1e9 / 2000, target: "≤ 2 µs", met: bearer <= 2e-6,
                note: refreshes == 0 ? nil : "\(refreshes) refreshes happened during the measurement"),
            ResultRow(
                suite: "authorize", name: "OAuth 1.0a, cached token", value: oauth1 * 1e9, unit: "ns/request",
                comparison: "sign \(Report.format(sign * 1e9)) ns/header", ratio: oauth1 / sign, target: "≤ 1.5× sign",
                met: oauth1 / sign <= 1.5),
        ]
    }
}
