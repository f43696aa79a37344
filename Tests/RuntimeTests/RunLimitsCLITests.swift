import Foundation
import TestSupport
import Testing

/// `keyflow run` and hostile agents: a run that goes over a limit exits 1 with a message
/// naming the limit, its flag and the component, never with a signal (132 was SIGILL: the
/// process trapped); each limit has its flag.
struct RunLimitsCLITests {
    static func sleeper(delay: String) throws -> String {
        try RunCommandTests.write(
            #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "S", "name": "FSleep", "data": {"delay": "\#(delay)"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "S", "targetIndex": 0}]}
            """#)
    }

    static func forEach() throws -> String {
        try RunCommandTests.write(
            #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}, {"name": "body.items", "index": 1}]},
              {"id": "F", "name": "ForEach", "data": {}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Loop", "index": 0}, {"name": "Result", "index": 1}]},
              {"id": "H", "name": "FHash", "data": {"algorithm": "md5"}, "inputs": [{"name": "Data", "index": 0}], "outputs": [{"name": "Hash", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 1, "targetId": "F", "targetIndex": 0}, {"sourceId": "F", "sourceIndex": 0, "targetId": "H", "targetIndex": 0}]}
            """#)
    }

    static func apiCall(_ url: String) throws -> String {
        try RunCommandTests.write(
            #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "CALL", "name": "APICall", "data": {"method": "GET", "url": "\#(url)"}, "inputs": [{"name": "trigger", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "CALL", "targetIndex": 0}]}
            """#)
    }

    /// The reported case: before the fix the process died of SIGILL (exit status 132).
    @Test func theHugeSleepOfTheReportEndsWithAMessage() throws {
        let result = try KeyflowCLI.run(["run", try Self.sleeper(delay: "9223372036854775807"), "--quiet"])
        #expect(result.status == 1, "status \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("run limit: FSleep S asks for"), "\(result.stderr)")
        #expect(result.stderr.contains("300 s of sleep (--max-sleep-seconds)"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: ["-9223372036854775808", "1e308", "NaN", "-1e308", "Infinity"])
    func otherHostileSleepsNeverTrap(delay: String) throws {
        let result = try KeyflowCLI.run(["run", try Self.sleeper(delay: delay), "--quiet", "--max-run-seconds", "5"])
        #expect(result.status == 0 || result.status == 1, "status \(result.status): \(result.stderr)")
    }

    @Test func eachLimitHasItsFlag() throws {
        let endless = try TinyHTTPServer { _ in .endless }
        defer { endless.stop() }
        let cases: [(agent: String, arguments: [String], message: String)] = [
            (
                try Self.sleeper(delay: "3"), ["--max-run-seconds", "0.5"],
                "the run took longer than its limit of 0.5 s (--max-run-seconds); still running: S"
            ),
            (
                try Self.sleeper(delay: "0"), ["--max-components", "1"],
                "limit of 1 component executions (--max-components) before FSleep S"
            ),
            (
                try Self.forEach(), ["--max-foreach-items", "2", "--input-json", try Self.itemsFile()],
                "ForEach F has 3 items"
            ),
            (
                try Self.sleeper(delay: "2"), ["--max-sleep-seconds", "1"],
                "limit of 1 s of sleep (--max-sleep-seconds)"
            ),
            (
                try Self.apiCall(endless.baseURL + "/big"), ["--max-response-bytes", "1000"],
                "the response to APICall CALL is larger than the limit of 1000 bytes (--max-response-bytes)"
            ),
        ]
        for (agent, arguments, message) in cases {
            let result = try KeyflowCLI.run(["run", agent, "--quiet"] + arguments)
            #expect(result.status == 1, "\(arguments): status \(result.status): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test(arguments: [
        ["--max-run-seconds", "nan"], ["--max-run-seconds", "0"], ["--max-components", "0"],
        ["--max-sleep-seconds", "-1"],
        ["--max-response-bytes", "-5"], ["--max-foreach-items", "99999999999999999999"],
    ])
    func badLimitValuesAreBadInput(arguments: [String]) throws {
        let result = try KeyflowCLI.run(["run", try Self.sleeper(delay: "0"), "--quiet"] + arguments)
        #expect(result.status == 2, "\(arguments): status \(result.status): \(result.stderr)")
    }

    /// A worker's flags are checked before it opens anything: bad values are bad input (2)
    /// and the message names the flag.
    @Test(arguments: [
        (["--lease", "0"], "--lease"), (["--lease", "nan"], "--lease"), (["--max-attempts", "0"], "--max-attempts"),
        (["--run-retention-days", "1e300"], "--run-retention-days"), (["--concurrency", "0"], "--concurrency"),
        (["--max-concurrent-runs", "0"], "--max-concurrent-runs"),
    ])
    func badWorkerValuesAreBadInput(arguments: [String], flag: String) throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-worker-\(UUID().uuidString)")
        let result = try KeyflowCLI.run(["worker"] + arguments, environment: ["KEYFLOW_HOME": home.path])
        #expect(result.status == 2, "\(arguments): status \(result.status): \(result.stderr)")
        #expect(result.stderr.contains(flag), "\(arguments): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.path), "the worker opened the vault for bad input")
    }

    static func itemsFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-items-\(UUID().uuidString).json"
        ).path
        try Data(#"{"items": ["a", "b", "c"]}"#.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
