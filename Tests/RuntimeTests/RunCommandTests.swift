import Foundation
import Runtime
import TestSupport
import Testing

/// `keyflow run` and `keyflow validate` as processes: exit codes, bad input, Ctrl-C.
struct RunCommandTests {
    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-run-\(UUID().uuidString).smyth"
        ).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let sleeper = #"""
        {"components": [
          {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
          {"id": "S", "name": "FSleep", "data": {"delay": "30"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
         "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "S", "targetIndex": 0}]}
        """#

    @Test func ctrlCCancelsTheRunAndExits130() async throws {
        let process = Process()
        process.executableURL = KeyflowCLI.executable
        process.arguments = ["run", try Self.write(Self.sleeper), "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .milliseconds(800))
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning)
        // Foundation can report the process ended before it has read its status.
        if !process.isRunning { process.waitUntilExit() }
        #expect(process.terminationStatus == 130)
    }

    @Test(arguments: [
        (#"{"components": [{"id": "E", "name": "APIEndpoint""#, 2, "not valid JSON: line 1"),
        (#"{"components": [{"id": "A", "name": "Teleport"}]}"#, 2, "unknown component type \"Teleport\""),
        (#"{"components": [{"id": "A", "name": "Note"}]}"#, 2, "the agent has no APIEndpoint"),
    ])
    func badAgentsExitTwoWithTheReason(text: String, status: Int32, message: String) throws {
        let result = try KeyflowCLI.run(["run", try Self.write(text), "--quiet"])
        #expect(result.status == status)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// The Runtime says that no endpoint was chosen; the CLI says how to choose one (its flag).
    @Test func anAgentWithTwoEndpointsNeedsTheEndpointFlag() async throws {
        let text = #"""
            {"components": [
              {"id": "A", "name": "APIEndpoint", "data": {"endpoint": "first"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "B", "name": "APIEndpoint", "data": {"endpoint": "second"}, "outputs": [{"name": "body", "index": 0, "default": true}]}]}
            """#
        let result = try KeyflowCLI.run(["run", try Self.write(text), "--quiet"])
        #expect(
            result.status == 2 && result.stderr.contains("first, second; choose one with --endpoint NAME"),
            "\(result.stderr)")
        let agent = try AgentLoader.parse(Array(text.utf8), source: "two.smyth")
        let error = await #expect(throws: RunError.self) { _ = try await runAgent(agent) }
        #expect(
            error?.description == "the agent has 2 endpoints and none was chosen: first, second",
            "\(String(describing: error))")
    }

    @Test func validateExitsOneAndListsProblems() throws {
        let result = try KeyflowCLI.run([
            "validate", try Self.write(#"{"components": [{"id": "A", "name": "TextToSpeech", "title": "LLM"}]}"#),
        ])
        #expect(result.status == 1)
        #expect(result.stdout.contains("components[0].name (A “LLM”): TextToSpeech is not supported"))
        #expect(result.stdout.contains("1 problem (1 unsupported component type)"))
        #expect(try KeyflowCLI.run(["validate", "/nonexistent.smyth"]).status == 1)
    }

    /// `keyflow run FILE` finds the agents an AgentPlugin calls next to FILE, or in `--agents DIR`;
    /// without them the plugin's failure names the agent it looked for.
    @Test func anAgentPluginFindsItsAgentNextToTheFileOrInAgentsDir() throws {
        let alone = FileManager.default.temporaryDirectory.appendingPathComponent("kf-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: alone) }
        let parent = alone.appendingPathComponent("parent-agent.smyth")
        try FileManager.default.copyItem(at: Repository.url("conformance/sre/agents/parent-agent.smyth"), to: parent)
        let arguments = ["run", parent.path, "--endpoint", "ask", "--input", "question=hi", "--quiet"]
        let missing = try KeyflowCLI.run(arguments)
        #expect(missing.status == 1)
        #expect(
            missing.stderr.contains("agent clp1tl4tx00129tq5owb0kfxh was not found (by id or by name)"),
            "\(missing.stderr)")
        let found = try KeyflowCLI.run(arguments + ["--agents", Repository.url("conformance/sre/agents").path])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("Tell the user that the system is busy"))
    }

    /// `keyflow run` prints the answer when the flow has it; the process ends when the run's
    /// Async job has (here a 4 s sleep).
    @Test func theAnswerIsPrintedBeforeTheAsyncJobEnds() async throws {
        let agent = try AgentGraph.answeringBeforeItsJob(sleeping: 4)
        let file = try Self.write(JSONWriter.string(agent.document))
        let (printed, runningWhenPrinted, status, rest) = try await blockingWork {
            let process = Process()
            process.executableURL = KeyflowCLI.executable
            process.arguments = ["run", file, "--input", "prompt=hi", "--quiet"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var printed = Data()
            while !String(decoding: printed, as: UTF8.self).contains("}") {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                printed += chunk
            }
            let running = process.isRunning
            let rest = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: printed, as: UTF8.self), running, process.terminationStatus, rest)
        }
        #expect(runningWhenPrinted, "the answer came only when the job had ended")
        #expect(printed.contains(#""job": "A-"#))
        #expect(status == 0)
        #expect(rest.isEmpty)  // printed once
    }
}
