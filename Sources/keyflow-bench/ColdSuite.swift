import AsyncHTTPClient
import Foundation
import NIOCore

/// `cold`: `keyflow run` of a one-step agent as a whole process (start, open the vault,
/// unseal the connection, run, exit), compared with the request alone made from a fresh
/// client on a new connection; the difference is what Keyflow costs a one-off run.
enum ColdSuite {
    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let keyflow = URL(fileURLWithPath: EngineSuite.selfExecutable()).deletingLastPathComponent()
            .appendingPathComponent("keyflow").path
        guard FileManager.default.isExecutableFile(atPath: keyflow) else {
            return [
                ResultRow(
                    suite: "cold", name: "keyflow run", value: .nan, unit: "ms",
                    note: "skipped: \(keyflow) not built (swift build -c release --product keyflow)")
            ]
        }
        let server = try await LocalServer.start()
        let home = try await BenchHome(server: server)
        defer { home.remove() }
        let agent = home.directory.appendingPathComponent("cold.smyth")
        let call =
            #"{"id":"A","name":"APICall","title":"one","data":{"method":"GET","url":"\#(server.baseURL)/api/cold","oauth_con_id":"\#(home.bearerID)"},"inputs":[{"name":"trigger","index":0,"optional":true}],"outputs":[{"name":"Response","index":0,"default":true}]}"#
        let text =
            #"{"id":"cold","name":"Cold bench","components":[{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true}]},\#(call)],"connections":[{"sourceId":"E","sourceIndex":1,"targetId":"A","targetIndex":0}]}"#
        try Data(text.utf8).write(to: agent)

        let arguments = ["run", agent.path, "--non-interactive", "--quiet"]
        let processRuns = scale.smoke ? 2 : 21
        var processTimes: [Double] = []
        for run in 0...processRuns {
            let start = Measure.now()
            let result = try Shell.run(keyflow, arguments, environment: home.environment)
            let elapsed = Measure.now() - start
            guard result.status == 0, result.stdout.contains("\"ok\"") else {
                throw Shell.Failure(
                    description: "keyflow run exited with \(result.status): \(result.stderr.suffix(300))")
            }
            if run > 0 { processTimes.append(elapsed) }
        }

        // The request alone: a new client and a new connection each time, as a fresh process has.
        var requestTimes: [Double] = []
        for run in 0...processRuns {
            let start = Measure.now()
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
            var request = HTTPClientRequest(url: server.baseURL + "/api/cold")
            request.headers.add(name: "Authorization", value: "Bearer \(server.currentToken)")
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            let elapsed = Measure.now() - start
            try await client.shutdown()
            if run > 0 { requestTimes.append(elapsed) }
        }
        await server.stop()

        let process = Measure.median(processTimes)
        let request = Measure.median(requestTimes)
        let beyond = process - request
        // Paging in the binary is part of a cold start, so its size goes next to the time.
        let size = BinarySize.of(keyflow)
        return [
            ResultRow(
                suite: "cold", name: "keyflow run, one APICall", value: process * 1e3, unit: "ms",
                comparison: "the request alone \(Report.format(request * 1e3)) ms", ratio: nil,
                target: "≤ 25 ms beyond the request", met: beyond <= 0.025,
                note:
                    "beyond the request: \(Report.format(beyond * 1e3)) ms (process start, vault open, unseal, run, exit)"
            ),
            ResultRow(
                suite: "cold", name: "keyflow binary", value: size.map { Double($0.file) / 1e6 } ?? .nan, unit: "MB",
                note: size?.description ?? "\(keyflow): not a 64-bit ELF file, size not read"),
        ]
    }
}
