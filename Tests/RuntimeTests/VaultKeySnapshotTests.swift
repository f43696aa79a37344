import Foundation
import OAuthCore
import Runtime
import TestSupport
import Testing
import Vault

/// `{{KEY(NAME)}}` values are read from the (async) vault before the run, because templates
/// render synchronously inside components: every key a template names is there, and a
/// missing key still fails at the component that uses it, with the same message as before.
struct VaultKeySnapshotTests {
    static func agent(url: String) throws -> Agent {
        let text = #"""
            {"components": [
              {"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]},
              {"id": "CALL", "name": "APICall", "title": "Call", "data": {"method": "GET", "url": "\#(url)", "headers": "{\"X-Key\": \"{{ KEY( HEADER_KEY ) }}\"}"},
               "inputs": [{"name": "trigger", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]}],
             "connections": [{"sourceId": "E", "sourceIndex": 0, "targetId": "CALL", "targetIndex": 0}]}
            """#
        return try AgentLoader.parse(Array(text.utf8), source: "keys.smyth")
    }

    static func vault() async throws -> (Vault, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyflow-keys-\(UUID().uuidString)")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        try await vault.setKey("PATH_KEY", value: "path-secret-1234")
        try await vault.setKey("HEADER_KEY", value: "header-secret-5678")
        return (vault, directory)
    }

    @Test func everyKeyAPlaceholderNamesIsFoundInStringsKeysAndNestedValues() throws {
        let document = try JSONParser.parse(
            #"{"a": ["x {{KEY(ONE)}} y", {"{{ KEY( TWO ) }}": "{{KEY(THREE)}}{{KEY(ONE)}}"}], "b": "{{KEY()}} {{name}} {{KEY(FOUR)"}"#
        )
        #expect(VaultKeySnapshot.keyNames(in: document) == ["ONE", "TWO", "THREE"])
    }

    @Test func theKeysOfARunAreReadBeforeItAndRenderedWhereTheTemplatesSayIt() async throws {
        let (vault, directory) = try await Self.vault()
        defer { try? FileManager.default.removeItem(at: directory) }
        let transport = RecordingTransport(status: 200, json: "{}")
        let agent = try Self.agent(url: "https://api.example/bot{{KEY(PATH_KEY)}}/send")
        let session = try await AgentSession.make(
            agent: agent, broker: TokenBroker(vault: vault, transport: transport),
            transport: transport, login: nil)
        _ = try await Executor(agent: session.prepared).run(
            endpoint: nil, inputs: JSONObject(), context: session.environment)
        let request = try #require(transport.requests.first)
        #expect(request.url.contains("/botpath-secret-1234/send"))
        #expect(request.header("X-Key") == "header-secret-5678")
    }

    @Test func aMissingKeyFailsAtTheComponentThatUsesItWithTheSameMessage() async throws {
        let (vault, directory) = try await Self.vault()
        defer { try? FileManager.default.removeItem(at: directory) }
        let transport = RecordingTransport(status: 200, json: "{}")
        let agent = try Self.agent(url: "https://api.example/bot{{KEY(NOPE)}}/send")
        let session = try await AgentSession.make(
            agent: agent, broker: TokenBroker(vault: vault, transport: transport),
            transport: transport, login: nil)
        let error = await #expect(throws: RunError.self) {
            try await Executor(agent: session.prepared).run(
                endpoint: nil, inputs: JSONObject(), context: session.environment)
        }
        #expect(error?.description.contains("CALL") == true)
        #expect(
            error?.description.contains(TemplateError.unknownKey("NOPE", placeholder: "{{KEY(NOPE)}}").description)
                == true)
        #expect(transport.requests.isEmpty)
    }
}
