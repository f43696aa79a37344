import Foundation
import OAuthCore
import Runtime
import Server
import TestSupport
import Testing
import Vault

/// `keyflow agents import/export/list` and `keyflow serve --agents DIR`: folders of `.smyth`
/// files in and out of a team's agents, never overwriting what is stored.
struct AgentsCLITests {
    /// A throwaway KEYFLOW_HOME and the environment a `keyflow` process needs to use it.
    struct Home {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-agents-cli-\(UUID().uuidString)")
        var environment: [String: String] { ["KEYFLOW_HOME": directory.path] }

        func store() async throws -> any AgentStore {
            let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
            return try #require(vault.store as? any AgentStore)
        }

        func folder(_ name: String, files: [String: String]) throws -> URL {
            let folder = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (file, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(file)) }
            return folder
        }
    }

    static let good = AgentsPageTests.agent(url: "https://api.example/good")

    @Test func importAddsNewNamesReportsBadFilesAndNeverOverwrites() async throws {
        let home = Home()
        defer { try? FileManager.default.removeItem(at: home.directory) }
        let folder = try home.folder(
            "in",
            files: [
                "good.smyth": Self.good, "broken.smyth": "{\"components\": [", "bad name!.smyth": Self.good,
                "notes.txt": "not an agent", ".hidden.smyth": Self.good,
            ])
        let first = try KeyflowCLI.run(["agents", "import", folder.path, "--team", "a"], environment: home.environment)
        #expect(first.status == 1, "a failed file makes the import fail: \(first.stderr)")
        #expect(first.stdout.contains("added    good"))
        #expect(first.stderr.contains("broken.smyth: not valid JSON"))
        #expect(first.stderr.contains("bad name!.smyth: not an agent name"))
        #expect(first.stdout.contains("Team a: 1 added, 0 skipped, 2 failed."))
        let store = try await home.store()
        #expect(try await store.agentNames(team: "a") == ["good"])
        #expect(try await store.agent(team: "a", name: "good")?.changedBy == "import")
        #expect(try await store.agentNames(team: Vault.localTeam).isEmpty)

        // Changed on disk and imported again: the stored agent stays as it was.
        try Data(AgentsPageTests.agent(url: "https://evil.example/").utf8).write(
            to: folder.appendingPathComponent("good.smyth"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("broken.smyth"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("bad name!.smyth"))
        let again = try KeyflowCLI.run(["agents", "import", folder.path, "--team", "a"], environment: home.environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("skipped  good"))
        #expect(try await store.agent(team: "a", name: "good")?.body == Data(Self.good.utf8))
        #expect(try await store.agentRevisions(team: "a", name: "good").count == 1)

        #expect(try KeyflowCLI.run(["agents", "import", folder.path], environment: home.environment).status == 2)
        #expect(
            try KeyflowCLI.run(["agents", "import", folder.path, "--team", "../x"], environment: home.environment)
                .status == 2)
        #expect(
            try KeyflowCLI.run(
                ["agents", "import", home.directory.appendingPathComponent("missing").path, "--team", "a"],
                environment: home.environment
            ).status != 0)
    }

    @Test func exportWritesTheTeamsCurrentAgentsAndListShowsThem() async throws {
        let home = Home()
        defer { try? FileManager.default.removeItem(at: home.directory) }
        let store = try await home.store()
        _ = try await store.saveAgent(
            team: "a", name: "digest", body: Data("v1".utf8), changedBy: "alice", changedAt: 100, expectedVersion: nil)
        _ = try await store.saveAgent(
            team: "a", name: "digest", body: Data(Self.good.utf8), changedBy: "carol", changedAt: 200,
            expectedVersion: 1)
        _ = try await store.saveAgent(
            team: "b", name: "other", body: Data("b".utf8), changedBy: "bob", changedAt: 100, expectedVersion: nil)
        let out = home.directory.appendingPathComponent("out")
        let export = try KeyflowCLI.run(["agents", "export", out.path, "--team", "a"], environment: home.environment)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("digest.smyth")) == Data(Self.good.utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["digest.smyth"])
        let list = try KeyflowCLI.run(["agents", "list", "--team", "a"], environment: home.environment)
        #expect(
            list.status == 0 && list.stdout.contains("digest") && list.stdout.contains("carol")
                && !list.stdout.contains("other"))
        let local = try KeyflowCLI.run(["agents", "list"], environment: home.environment)
        #expect(local.stdout.contains("Team local has no agents."))
    }

    /// `serve --agents DIR` imports into the local team at start-up, and never over an agent
    /// that was saved since.
    @Test(.timeLimit(.minutes(2))) func serveImportsItsAgentsFolderIntoTheLocalTeam() async throws {
        let home = Home()
        defer { try? FileManager.default.removeItem(at: home.directory) }
        let store = try await home.store()
        let edited = AgentsPageTests.agent(url: "https://api.example/edited")
        _ = try await store.saveAgent(
            team: Vault.localTeam, name: "kept", body: Data(edited.utf8), changedBy: "local", changedAt: 100,
            expectedVersion: nil)
        let folder = try home.folder("agents-in", files: ["kept.smyth": Self.good, "new.smyth": Self.good])
        let port = try FreePort.find()
        let server = try KeyflowCLI.start(
            ["serve", "--port", String(port), "--agents", folder.path], environment: home.environment)
        defer { server.terminate() }
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        var names: JSONValue = .null
        for _ in 0..<300 {
            if let response = try? await transport.send(
                HTTPTransportRequest(method: "GET", url: "http://127.0.0.1:\(port)/api/v1/agents"),
                timeout: .seconds(2)), response.status == 200
            {
                names = (try? JSONParser.parse(response.body)) ?? .null
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(names.arrayValue?.compactMap { $0["name"]?.stringValue } == ["kept", "new"])
        #expect(try await store.agent(team: Vault.localTeam, name: "kept")?.body == Data(edited.utf8))
        #expect(try await store.agent(team: Vault.localTeam, name: "new")?.changedBy == "import")
    }
}
