import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// An APICall whose OAuth section names an API-key connection, as n8n's Header Auth serves
/// an HTTP Request node: the agent has no `{{KEY()}}` in its headers, the stand-in API checks
/// the key, and neither the output nor the trace holds it.
@Suite(.serialized) struct AgentAPIKeyTests {
    static let key = "sk-agent-canary-4d2b9e71c0a3"

    @Test func anAPICallSendsTheConnectionsKeyAndNeverShowsIt() async throws {
        let peer = try PeerServer(script: "llm_openai_server.py", arguments: ["--key", Self.key])
        defer { peer.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-apikey-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let home = KeyflowHome(directory: directory.appendingPathComponent("home"))
        let vault = try await Vault.open(home: home).vault
        let id = try await vault.add(
            kind: "api-key", name: "Models",
            input: ConnectionInput(text: ["apiKey": Self.key], allowedHosts: [peer.baseURL])
        ).id
        let agent = directory.appendingPathComponent("models.smyth")
        try Data(
            #"""
            {"id": "models", "name": "Models", "components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "A", "name": "APICall", "data": {"method": "GET", "url": "\#(peer.baseURL)/v1/models", "oauth_con_id": "\#(id)"},
               "inputs": [{"name": "trigger", "index": 0, "optional": true}], "outputs": [{"name": "Response", "index": 0, "default": true}]},
              {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "models", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "A", "targetIndex": 0},
                             {"sourceId": "A", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}]}
            """#.utf8
        ).write(to: agent)
        let trace = directory.appendingPathComponent("trace.json").path
        let environment = ["KEYFLOW_HOME": home.directory.path]
        let result = try await KeyflowCLI.runAsync(
            ["run", agent.path, "--non-interactive", "--quiet", "--trace", trace], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("gpt-4o-mini"), "\(result.stdout)")
        let traceText = try String(contentsOfFile: trace, encoding: .utf8)
        #expect(!(result.stdout + result.stderr + traceText).contains(Self.key))
        #expect(traceText.contains(id))
    }
}
