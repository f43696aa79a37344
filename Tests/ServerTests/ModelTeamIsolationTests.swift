import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OAuthCore
import Runtime
import Server
import TestSupport
import Testing
import Vault

/// LLM steps under the server's outbound policy (internal addresses refused, as `keyflow serve`
/// runs): a model name resolves to the run's team's route only, and the loopback exception
/// belongs to a model a team member mapped, never to an agent's own APICall.
@Suite(.serialized) struct ModelTeamIsolationTests {
    static let key = "sk-team-a-canary-91d3f0e7"

    static func agent(_ steps: String, links: String) -> String {
        #"{"components": [{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "inputs": [{"name": "q", "index": 0}], "outputs": [{"name": "body", "index": 0, "default": true}, {"name": "body.q", "index": 1}]}, \#(steps)], "connections": [\#(links)]}"#
    }

    @Test func aModelIsTheRunsTeamsAndItsLoopbackExceptionIsNotAnAPICalls() async throws {
        let peer = try PeerServer(script: "llm_openai_server.py", arguments: ["--key", Self.key])
        defer { peer.stop() }
        let transport = AsyncHTTPTransport(addressPolicy: .publicOnly())
        defer { Task { try? await transport.shutdown() } }
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: root.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "b", store: root.accounts)
        let teamA = root.forTeam("a")
        let connection = try await teamA.add(
            kind: "api-key", name: "Local models",
            input: ConnectionInput(text: ["apiKey": Self.key], allowedHosts: [peer.baseURL])
        ).id
        try await teamA.putModel(
            name: "gpt-4o-mini", provider: .openaiCompatible, baseURL: peer.baseURL + "/v1", connection: connection)

        let llm = Self.agent(
            #"{"id": "L", "name": "GenAILLM", "data": {"model": "gpt-4o-mini", "prompt": "Say {{Input}}"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Reply", "index": 0, "default": true}]}"#,
            links: #"{"sourceId": "E", "sourceIndex": 1, "targetId": "L", "targetIndex": 0}"#)
        let direct = Self.agent(
            #"{"id": "A", "name": "APICall", "data": {"method": "GET", "url": "\#(peer.baseURL)/v1/models", "oauth_con_id": "\#(connection)"}, "inputs": [{"name": "q", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]}"#,
            links: #"{"sourceId": "E", "sourceIndex": 1, "targetId": "A", "targetIndex": 0}"#)
        try await app.test(.router) { client in
            func put(_ name: String, _ body: String, _ token: String) async throws {
                let response = try await client.execute(
                    uri: "/api/v1/agents/\(name)", method: .put, headers: AgentTeamIsolationTests.bearer(token),
                    body: ByteBuffer(string: body))
                #expect(response.status == .created)
            }
            func run(_ name: String, _ token: String) async throws -> String {
                let response = try await client.execute(
                    uri: "/api/v1/agents/\(name)/run", method: .post, headers: AgentTeamIsolationTests.bearer(token),
                    body: ByteBuffer(string: #"{"inputs": {"q": "hi"}}"#))
                let body = String(buffer: response.body)
                #expect(!body.contains(Self.key))
                return body
            }
            try await put("ask", llm, alice)
            try await put("ask", llm, bob)
            try await put("direct", direct, alice)
            // Team A's model, on loopback, answers although the policy refuses loopback.
            #expect(try await run("ask", alice).contains("echo: Say hi"))
            // Team B has no route of that name: it is not set up, whatever team A has.
            let bobs = try await run("ask", bob)
            #expect(bobs.contains("not set up for team b") && !bobs.contains("echo"), "\(bobs)")
            // The same loopback origin through an APICall is refused: the exception is the model's.
            let refused = try await run("direct", alice)
            #expect(refused.contains("127.0.0.1") && !refused.contains("gpt-4o-mini"), "\(refused)")
        }
    }
}
