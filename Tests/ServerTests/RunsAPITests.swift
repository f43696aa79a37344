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

/// Queued runs through the API and the runs page, on the embedded SQLite store with the
/// in-process worker: queue, read, list, cancel; another team's run is a 404 everywhere; a
/// run's inputs are sealed in the store.
struct RunsAPITests {
    static let bearer = AgentTeamIsolationTests.bearer

    /// Polls the run until it has ended.
    static func ended(_ client: some TestClientProtocol, _ id: String, token: String? = nil) async throws -> JSONValue {
        for _ in 0..<200 {
            let response = try await client.execute(
                uri: "/api/v1/runs/\(id)", method: .get, headers: token.map(bearer) ?? [:])
            let run = ConnectionsAPITests.json(response.body)
            if let status = run.objectValue?["status"]?.stringValue, !["queued", "running"].contains(status) {
                return run
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RunNeverEnded()
    }

    struct RunNeverEnded: Error {}

    static func queue(_ client: some TestClientProtocol, _ agent: String, token: String, body: String) async throws
        -> TestResponse
    {
        try await client.execute(
            uri: "/api/v1/agents/\(agent)/runs", method: .post, headers: bearer(token), body: ByteBuffer(string: body))
    }

    @Test func aQueuedRunIsReadListedAndIsAnotherTeamsBusinessNever() async throws {
        // (The canary is in an input and in an endpoint's name; neither may be stored in the clear.)
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: vault.accounts)
        let (_, bob) = try await Users.add(name: "bob", team: "b", store: vault.accounts)
        let canary = "CANARY-run-input-4f9c2e"
        try await app.test(.router) { client in
            _ = try await AgentTeamIsolationTests.seed(client, alice: alice)
            let queued = try await Self.queue(
                client, "a-functions", token: alice, body: #"{"endpoint": "hash", "inputs": {"data": "\#(canary)"}}"#)
            #expect(queued.status == .accepted)
            let id = try #require(ConnectionsAPITests.json(queued.body).objectValue?["id"]?.stringValue)
            #expect(queued.headers[.location] == "/api/v1/runs/\(id)")

            let run = try #require(try await Self.ended(client, id, token: alice).objectValue)
            #expect(run["status"] == .string("succeeded"), "\(run)")
            #expect(run["started_by"] == .string("token:alice") && run["agent"] == .string("a-functions"))
            #expect(run["output"] != nil && run["output"] != .null)
            #expect((run["trace"]?.arrayValue?.count ?? 0) > 0)
            // Each step says how long it took, as `keyflow run --trace` does.
            #expect(run["trace"]?.arrayValue?.allSatisfy { ($0["duration_ms"]?.numberValue ?? -1) >= 0 } == true)

            let list = ConnectionsAPITests.json(
                try await client.execute(uri: "/api/v1/runs", method: .get, headers: Self.bearer(alice)).body)
            #expect(list.objectValue?["runs"]?.arrayValue?.first?.objectValue?["id"] == .string(id))
            // A listing shows no inputs or outputs: only a run's own page opens its sealed record.
            #expect(list.objectValue?["runs"]?.arrayValue?.first?.objectValue?["output"] == nil)

            // Bob (team b): the run does not exist for him, on every route, nor in his list.
            for (method, path) in [(HTTPRequest.Method.get, ""), (.post, "/cancel")] {
                let response = try await client.execute(
                    uri: "/api/v1/runs/\(id)\(path)", method: method, headers: Self.bearer(bob))
                #expect(response.status == .notFound, "\(method) \(path): \(response.status)")
                #expect(!String(buffer: response.body).contains(canary))
            }
            let bobsList = ConnectionsAPITests.json(
                try await client.execute(uri: "/api/v1/runs", method: .get, headers: Self.bearer(bob)).body)
            #expect(bobsList.objectValue?["runs"] == .array([]))
            #expect(try await Self.queue(client, "a-functions", token: bob, body: "{}").status == .notFound)
            // Ids that are not run ids never reach the store.
            for bad in ["nope", "run_", "../runs", "run_AAAAAAAAAAAAAAAAAAAAAAAA"] {
                let response = try await client.execute(
                    uri: "/api/v1/runs/\(bad)", method: .get, headers: Self.bearer(alice))
                #expect(response.status == .notFound, "\(bad)")
            }
            // The synchronous endpoint queues and waits; it answers with the run's id and
            // leaves no waiter behind.
            let sync = try await client.execute(
                uri: "/api/v1/agents/a-functions/run", method: .post, headers: Self.bearer(alice),
                body: ByteBuffer(string: #"{"endpoint": "hash", "inputs": {"data": "Hello World"}}"#))
            #expect(sync.status == .ok && String(buffer: sync.body).contains("b10a8db164e0754105b7a99be72e3fe5"))
            #expect(ConnectionsAPITests.json(sync.body).objectValue?["run"]?.stringValue?.hasPrefix("run_") == true)
            #expect((vault.store as? any RunStore)?.runEvents.waiterCount == 0)
            // A failure can quote the caller's data (here the endpoint's name): the full message
            // is sealed in the run's record; the row and the listing have only a summary.
            let failing = try await Self.queue(
                client, "a-functions", token: alice, body: #"{"endpoint": "\#(canary)-endpoint", "inputs": {}}"#)
            let failingID = try #require(ConnectionsAPITests.json(failing.body).objectValue?["id"]?.stringValue)
            let failed = try #require(try await Self.ended(client, failingID, token: alice).objectValue)
            let failure = failed["failure"]?.objectValue
            #expect(failure?["code"] == .string("run_failed"), "\(failed)")
            #expect(failure?["message"]?.stringValue?.contains("\(canary)-endpoint") == true, "\(failed)")
            let listedFailure = String(
                buffer: try await client.execute(uri: "/api/v1/runs", method: .get, headers: Self.bearer(alice)).body)
            #expect(listedFailure.contains("a step of the run failed") && !listedFailure.contains(canary))
            // Cancelling a run that has ended changes nothing.
            let late = try await client.execute(
                uri: "/api/v1/runs/\(id)/cancel", method: .post, headers: Self.bearer(alice))
            #expect(ConnectionsAPITests.json(late.body).objectValue?["status"] == .string("succeeded"))
        }
        // The input is sealed in the vault file (and its write-ahead log).
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: vault.home.vaultPath.path + suffix))) ?? Data()
            #expect(bytes.range(of: Data(canary.utf8)) == nil, "the input is in vault.sqlite\(suffix) in the clear")
        }
    }

    /// An agent whose flow answers at once while its Async job sleeps `seconds` (no Await):
    /// SRE's "no-await-async".
    static func answeringBeforeItsJob(seconds: Int) -> String {
        #"{"components": [{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "inputs": [{"name": "prompt", "index": 0}], "outputs": [{"name": "body", "index": 0, "default": true}, {"name": "body.prompt", "index": 1}]}, {"id": "A", "name": "Async", "data": {}, "inputs": [{"name": "prompt", "index": 0}], "outputs": [{"name": "JobID", "index": 0, "default": true}, {"name": "prompt", "index": 1}]}, {"id": "S", "name": "FSleep", "data": {"delay": "\#(seconds)"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}, {"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "job", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}], "connections": [{"sourceId": "E", "sourceIndex": 1, "targetId": "A", "targetIndex": 0}, {"sourceId": "A", "sourceIndex": 1, "targetId": "S", "targetIndex": 0}, {"sourceId": "A", "sourceIndex": 0, "targetId": "O", "targetIndex": 0}]}"#
    }

    /// The synchronous endpoint answers when the agent's flow does, as SRE does, while the
    /// run's Async job goes on: the run is still running when the answer arrives, and its
    /// row ends `succeeded` with the job's steps in its trace.
    @Test func theSynchronousAnswerDoesNotWaitForAsyncJobs() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let (app, vault) = try await ConnectionsAPITests.app(transport: transport)
        let (_, alice) = try await Users.add(name: "alice", team: "a", store: vault.accounts)
        try await app.test(.router) { client in
            let put = try await client.execute(
                uri: "/api/v1/agents/no-await", method: .put, headers: Self.bearer(alice),
                body: ByteBuffer(string: Self.answeringBeforeItsJob(seconds: 4)))
            #expect(put.status == .created)
            let sync = try await client.execute(
                uri: "/api/v1/agents/no-await/run", method: .post, headers: Self.bearer(alice),
                body: ByteBuffer(string: #"{"inputs": {"prompt": "hi"}}"#))
            #expect(sync.status == .ok, "\(String(buffer: sync.body))")
            let answer = ConnectionsAPITests.json(sync.body)
            let job = try #require(answer["output"]?["job"]?.stringValue)
            #expect(job.hasPrefix("A-"))
            let id = try #require(answer["run"]?.stringValue)
            let now = ConnectionsAPITests.json(
                try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: Self.bearer(alice)).body)
            #expect(now["status"] == .string("running"), "the answer waited for the 4 s job: \(now)")
            #expect(now["output"]?["job"] == .string(job))
            let ended = try await Self.ended(client, id, token: alice)
            #expect(ended["status"] == .string("succeeded"))
            #expect(ended["output"]?["job"] == .string(job))
            let steps = ended["trace"]?.arrayValue ?? []
            #expect(steps.contains { $0["component"] == .string("S") && $0["scope"] == .string("job \(job)") })
        }
    }

    /// A web page of another origin can neither queue a run nor cancel one: the request
    /// boundary refuses it on the new API routes and on the runs page's form.
    @Test func aForeignPageCannotQueueOrCancelARun() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-runs-\(UUID())")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        let node = try KeyflowServer.node(
            vault: vault, accounts: try vault.accounts,
            flows: FlowsRegistry(transport: transport, publicURL: .default),
            binding: .init(host: "localhost", port: 80),
            worker: nil)
        try await AgentsPageTests.write(
            try Repository.text("fixtures/smythos-agents/functions-components.smyth"), as: "functions", in: vault)
        try await Application(router: node.router).test(.router) { client in
            var foreign = AgentTeamIsolationTests.json
            foreign[.origin] = "https://evil.example"
            let queued = try await client.execute(
                uri: "/api/v1/agents/functions/runs", method: .post, headers: foreign, body: ByteBuffer(string: "{}"))
            #expect(queued.status == .forbidden)
            let store = try #require(vault.store as? any RunStore)
            #expect(try await store.runs(team: vault.team, limit: 10, before: nil).isEmpty)

            let mine = try await client.execute(
                uri: "/api/v1/agents/functions/runs", method: .post, headers: AgentTeamIsolationTests.json,
                body: ByteBuffer(string: "{}"))
            let id = try #require(ConnectionsAPITests.json(mine.body).objectValue?["id"]?.stringValue)
            let apiCancel = try await client.execute(uri: "/api/v1/runs/\(id)/cancel", method: .post, headers: foreign)
            #expect(apiCancel.status == .forbidden)
            let page = try await client.execute(uri: "/runs/\(id)", method: .get)
            let csrf = try #require(VaultPageTests.csrf(from: page))
            let formCancel = try await client.execute(
                uri: "/runs/\(id)/cancel", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded", .cookie: csrf.cookies,
                    .origin: "https://evil.example",
                ], body: ByteBuffer(string: "csrf=\(csrf.csrf)"))
            #expect(formCancel.status == .forbidden)
            #expect(try await store.runStatus(id: id, team: vault.team) == .queued)
        }
    }

    @Test func aRunWaitingForAWorkerIsCancelledFromTheRunsPage() async throws {
        let transport = AsyncHTTPTransport()
        defer { Task { try? await transport.shutdown() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-runs-\(UUID())")
        let vault = try await Vault.open(home: KeyflowHome(directory: directory)).vault
        // No worker in this process: the run stays queued.
        let node = try KeyflowServer.node(
            vault: vault, accounts: try vault.accounts,
            flows: FlowsRegistry(transport: transport, publicURL: .default),
            binding: .init(host: "localhost", port: 80),
            worker: nil)
        try await AgentsPageTests.write(
            try Repository.text("fixtures/smythos-agents/functions-components.smyth"), as: "functions", in: vault)
        try await Application(router: node.router).test(.router) { client in
            let queued = try await client.execute(
                uri: "/api/v1/agents/functions/runs", method: .post, headers: AgentTeamIsolationTests.json,
                body: ByteBuffer(string: #"{"endpoint": "hash", "inputs": {"data": "x"}}"#))
            let id = try #require(ConnectionsAPITests.json(queued.body).objectValue?["id"]?.stringValue)

            let list = try await client.execute(uri: "/runs", method: .get)
            let html = String(buffer: list.body)
            #expect(html.contains("href=\"/runs/\(id)\"") && html.contains(">queued<"), "\(html)")
            let page = try await client.execute(uri: "/runs/\(id)", method: .get)
            let csrf = try #require(VaultPageTests.csrf(from: page))
            #expect(String(buffer: page.body).contains("id=\"cancel-run\""))

            // Without the page's CSRF token, nothing happens.
            let forged = try await client.execute(
                uri: "/runs/\(id)/cancel", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: csrf.cookies],
                body: ByteBuffer(string: "csrf=nope"))
            #expect(forged.status == .forbidden)
            let cancel = try await AgentsPageTests.post(client, "/runs/\(id)/cancel", csrf: csrf, "")
            #expect(cancel.status == .seeOther || cancel.status == .found, "\(cancel.status)")
            let after = String(buffer: try await client.execute(uri: "/runs/\(id)", method: .get).body)
            #expect(after.contains("id=\"run-status\" class=\"status-pending\">cancelled"), "\(after)")
            #expect(after.contains("cancelled before it started") && !after.contains("id=\"cancel-run\""))
            #expect(String(buffer: try await client.execute(uri: "/runs/run_bogus", method: .get).body).contains("not"))
        }
    }
}
