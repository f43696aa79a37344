import Foundation
import OAuthCore
import PostgresStore
import TestSupport
import Testing
import Vault

/// Runs queued on one node and executed by `keyflow worker` processes on one PostgreSQL
/// database, against the Authlib peer: they are shared out, survive a killed worker and a
/// restarted database, never repeat a request that may have taken effect, and can be cancelled.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct WorkerNodesTests {
    /// Two `serve --no-worker` nodes and two workers whose leases run out after 4 s.
    static func nodes(database: String) async throws -> ServeNodes {
        let nodes = try await ServeNodes(
            database: database, serveArguments: ["--no-worker"], workers: 2,
            // The team may run 8 at once, so neither worker (4 slots each) can take a whole
            // batch: with the default 4, one worker could claim every run as its slots freed.
            workerArguments: ["--lease", "4", "--concurrency", "4", "--max-concurrent-runs", "8"])
        try await nodes.waitForWorkers()
        return nodes
    }

    static let endpoint =
        #"{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"body","index":0,"default":true}]}"#
    static let output =
        #"{"id":"O","name":"APIOutput","data":{"format":"minimal"},"inputs":[{"name":"c","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#

    static func sleep(_ delay: String) -> String {
        #"{"id":"S","name":"FSleep","data":{"delay":"\#(delay)"},"inputs":[{"name":"Input","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#
    }

    static func call(_ method: String, _ url: String, connection: String? = nil) -> String {
        let oauth = connection.map { #","oauth_con_id":"\#($0)""# } ?? ""
        return
            #"{"id":"A","name":"APICall","title":"Call","data":{"method":"\#(method)","url":"\#(url)"\#(oauth)},"inputs":[{"name":"trigger","index":0,"optional":true}],"outputs":[{"name":"Response","index":0,"default":true}]}"#
    }

    /// The components in a line, each one's first output into the next one's first input.
    static func chain(_ components: [String]) -> String {
        let ids = components.compactMap { component in
            component.range(of: #""id":""#).map { String(component[$0.upperBound...].prefix { $0 != "\"" }) }
        }
        let links = zip(ids, ids.dropFirst()).map { source, target in
            #"{"sourceId":"\#(source)","sourceIndex":0,"targetId":"\#(target)","targetIndex":0}"#
        }
        return
            #"{"components":[\#(components.joined(separator: ","))],"connections":[\#(links.joined(separator: ","))]}"#
    }

    /// Endpoint → FSleep(`delay` s) → APICall (`method` to `url`, with `connection` if given) → output.
    static func agent(delay: String, method: String = "GET", url: String, connection: String? = nil) -> String {
        chain([endpoint, sleep(delay), call(method, url, connection: connection), output])
    }

    /// Endpoint → APICall POST `url` → FSleep(`delay` s) → output: the POST goes out first.
    static func postThenSleep(url: String, delay: String) -> String {
        chain([endpoint, call("POST", url), sleep(delay), output])
    }

    static func object(_ response: HTTPTransportResponse) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw TestStoreError(
                "not a JSON object: HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return object
    }

    static func save(_ agent: String, as name: String, on url: String, _ nodes: ServeNodes) async throws {
        let saved = try await nodes.api("PUT", url + "/api/v1/agents/\(name)", agent)
        guard saved.status == 201 || saved.status == 200 else {
            throw TestStoreError("saving \(name): HTTP \(saved.status) \(String(decoding: saved.body, as: UTF8.self))")
        }
    }

    /// Queues a run through `url` and returns its id.
    static func enqueue(_ name: String, on url: String, _ nodes: ServeNodes) async throws -> String {
        let queued = try await nodes.api("POST", url + "/api/v1/agents/\(name)/runs", "{}")
        guard queued.status == 202, let id = try object(queued)["id"] as? String else {
            throw TestStoreError("queuing: HTTP \(queued.status) \(String(decoding: queued.body, as: UTF8.self))")
        }
        return id
    }

    static func run(_ id: String, on url: String, _ nodes: ServeNodes) async throws -> [String: Any] {
        try object(try await nodes.api("GET", url + "/api/v1/runs/\(id)"))
    }

    /// Reads the runs through `url` until every one has ended, or `limit` passes.
    static func waitForEnd(
        _ ids: [String], on url: String, _ nodes: ServeNodes, limit: Duration = .seconds(90)
    ) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + limit
        while true {
            var runs: [[String: Any]] = []
            for id in ids { if let run = try? await run(id, on: url, nodes) { runs.append(run) } }
            let ended = runs.filter { ["succeeded", "failed", "cancelled"].contains($0["status"] as? String ?? "") }
            if ended.count == ids.count { return runs }
            guard ContinuousClock.now < deadline else {
                throw TestStoreError(
                    "\(ids.count - ended.count) of \(ids.count) runs have not ended: "
                        + "\(runs.map { "\($0["id"] ?? "?") \($0["status"] ?? "?")" })\n\(nodes.logs())")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test func twentyRunsQueuedOnNodeAAreSharedByTwoWorkersAndReadBackOnNodeB() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        let nodes = try await Self.nodes(database: (try await PostgresTestDatabase.create()).connectionText())
        do {
            let id = try await TwoServeNodesTests.loggedInConnection(nodes, peer: peer)
            try await Self.save(
                Self.agent(delay: "0.3", url: peer.baseURL + "/api/me", connection: id), as: "me", on: nodes.urls[0],
                nodes)
            var ids: [String] = []
            for _ in 0..<20 { ids.append(try await Self.enqueue("me", on: nodes.urls[0], nodes)) }
            let runs = try await Self.waitForEnd(ids, on: nodes.urls[1], nodes)
            for run in runs {
                #expect(run["status"] as? String == "succeeded", "\(run)\n\(nodes.logs())")
                #expect("\(run["output"] ?? "")".contains("alice"), "\(run)")
            }
            let workers = Set(runs.compactMap { $0["worker"] as? String })
            #expect(workers.count == 2, "the runs went to \(workers)")
            // The synchronous endpoint of a node without a worker waits for the workers.
            let sync = try await nodes.api("POST", nodes.urls[1] + "/api/v1/agents/me/run", "{}")
            #expect(sync.status == 200 && String(decoding: sync.body, as: UTF8.self).contains("alice"))
            let listed = try Self.object(try await nodes.api("GET", nodes.urls[1] + "/api/v1/runs?limit=50"))
            #expect((listed["runs"] as? [Any])?.count == 21)
        } catch {
            Issue.record("\(error)\n\(nodes.logs())")
        }
        await nodes.stop()
        peer.stop()
    }

    @Test func aWorkerKilledDuringABatchLosesNoRun() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        let nodes = try await Self.nodes(database: (try await PostgresTestDatabase.create()).connectionText())
        do {
            let id = try await TwoServeNodesTests.loggedInConnection(nodes, peer: peer)
            try await Self.save(
                Self.agent(delay: "3", url: peer.baseURL + "/api/me", connection: id), as: "slow", on: nodes.urls[0],
                nodes)
            var ids: [String] = []
            for _ in 0..<8 { ids.append(try await Self.enqueue("slow", on: nodes.urls[0], nodes)) }
            // Once worker 0 holds runs (its name has its pid), it dies mid-run.
            let pid = nodes.workers[0].processIdentifier
            var held: [String] = []
            for _ in 0..<100 where held.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                // The first held run found is enough: on a loaded machine, looking at the other
                // seven first can take longer than the run's three seconds.
                for id in ids where held.isEmpty {
                    let run = try await Self.run(id, on: nodes.urls[1], nodes)
                    if run["status"] as? String == "running", (run["worker"] as? String)?.contains(":\(pid):") == true {
                        held.append(id)
                    }
                }
            }
            #expect(!held.isEmpty, "worker 0 never took a run")
            nodes.killWorker(0)
            let runs = try await Self.waitForEnd(ids, on: nodes.urls[1], nodes)
            for run in runs {
                #expect(run["status"] as? String == "succeeded", "\(run)")
                #expect("\(run["output"] ?? "")".contains("alice"), "\(run)")
            }
            // Worker 0's runs were taken over: a second attempt, by the other worker.
            for run in runs where held.contains(run["id"] as? String ?? "") {
                #expect(run["attempts"] as? Int == 2, "\(run)")
                #expect((run["worker"] as? String)?.contains(":\(pid):") == false, "\(run)")
            }
        } catch {
            Issue.record("\(error)\n\(nodes.logs())")
        }
        await nodes.stop()
        peer.stop()
    }

    @Test func aRunThatAlreadyPostedIsFailedNotRepeatedWhenItsWorkerDies() async throws {
        let posts = LockedCounter()
        let upstream = try TinyHTTPServer { target in
            if target.hasPrefix("/post") { _ = posts.next() }
            return .response(status: 200, contentType: "application/json", body: #"{"ok":true}"#)
        }
        defer { upstream.stop() }
        let nodes = try await Self.nodes(database: (try await PostgresTestDatabase.create()).connectionText())
        do {
            try await Self.save(
                Self.postThenSleep(url: upstream.baseURL + "/post", delay: "5"), as: "tweet", on: nodes.urls[0], nodes)
            let id = try await Self.enqueue("tweet", on: nodes.urls[0], nodes)
            for _ in 0..<100 where posts.count == 0 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(posts.count == 1)
            let run = try await Self.run(id, on: nodes.urls[0], nodes)
            let holder = try #require(run["worker"] as? String)
            let index = holder.contains(":\(nodes.workers[0].processIdentifier):") ? 0 : 1
            nodes.killWorker(index)
            let ended = try #require(try await Self.waitForEnd([id], on: nodes.urls[1], nodes).first)
            #expect(ended["status"] as? String == "failed", "\(ended)")
            let failure = ended["failure"] as? [String: Any]
            #expect(failure?["code"] as? String == "worker_lost", "\(ended)")
            #expect((failure?["message"] as? String)?.contains("POST \(upstream.baseURL)/post") == true, "\(ended)")
            try await Task.sleep(for: .seconds(5))  // more than a lease: nobody sends it again
            #expect(posts.count == 1)
        } catch {
            Issue.record("\(error)\n\(nodes.logs())")
        }
        await nodes.stop()
    }

    @Test func aCancelledRunStops() async throws {
        let upstream = try TinyHTTPServer { _ in .response(status: 200, contentType: "application/json", body: "{}") }
        defer { upstream.stop() }
        let nodes = try await Self.nodes(database: (try await PostgresTestDatabase.create()).connectionText())
        do {
            try await Self.save(
                Self.agent(delay: "30", url: upstream.baseURL + "/get"), as: "long", on: nodes.urls[0], nodes)
            let id = try await Self.enqueue("long", on: nodes.urls[0], nodes)
            for _ in 0..<100 {
                if try await Self.run(id, on: nodes.urls[1], nodes)["status"] as? String == "running" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let began = ContinuousClock.now
            let cancel = try await nodes.api("POST", nodes.urls[1] + "/api/v1/runs/\(id)/cancel")
            #expect(cancel.status == 200, "\(String(decoding: cancel.body, as: UTF8.self))")
            let ended = try #require(
                try await Self.waitForEnd([id], on: nodes.urls[0], nodes, limit: .seconds(20)).first)
            #expect(ended["status"] as? String == "cancelled", "\(ended)")
            #expect(ContinuousClock.now - began < .seconds(10))
            // A queued run is cancelled at once, before any worker sees it.
            let other = try await nodes.api("POST", nodes.urls[0] + "/api/v1/runs/run_aaaaaaaaaaaaaaaaaaaaaaaa/cancel")
            #expect(other.status == 404)
        } catch {
            Issue.record("\(error)\n\(nodes.logs())")
        }
        await nodes.stop()
    }

    @Test func postgresRestartedDuringABatchEndsEveryRunAndKeepsTheToken() async throws {
        let cluster = try DevPostgresCluster()
        defer { cluster.stop() }
        let peer = try PeerServer(script: "authlib_server.py")
        let nodes = try await Self.nodes(database: cluster.databaseURL)
        do {
            let id = try await TwoServeNodesTests.loggedInConnection(nodes, peer: peer)
            try await Self.save(
                Self.agent(delay: "0.5", url: peer.baseURL + "/api/me", connection: id), as: "me", on: nodes.urls[0],
                nodes)
            let (vault, store) = try await nodes.vault()
            var tokens = try #require(try await vault.tokens(of: id))
            tokens.expiresAt = Date().timeIntervalSince1970 - 1
            try await vault.storeTokens(id, tokens)
            store.close()
            var ids: [String] = []
            for _ in 0..<30 { ids.append(try await Self.enqueue("me", on: nodes.urls[index(ids.count)], nodes)) }
            try await Task.sleep(for: .milliseconds(700))
            try cluster.restart()
            let runs = try await Self.waitForEnd(ids, on: nodes.urls[1], nodes, limit: .seconds(120))
            var failed = 0
            for run in runs where run["status"] as? String != "succeeded" {
                failed += 1
                let failure = run["failure"] as? [String: Any]
                #expect(run["status"] as? String == "failed", "\(run)")
                #expect(!((failure?["message"] as? String) ?? "").isEmpty, "a failure without a reason: \(run)")
            }
            print(
                "WorkerNodesTests: PostgreSQL restarted under 30 queued runs; \(30 - failed) succeeded, \(failed) failed with a reason"
            )
            // Afterwards the token works on both sides: nothing was lost or spent twice.
            let after = try await nodes.api("POST", nodes.urls[0] + "/api/v1/agents/me/run", "{}")
            #expect(after.status == 200 && String(decoding: after.body, as: UTF8.self).contains("alice"))
            let (again, againStore) = try await nodes.vault()
            defer { againStore.close() }
            #expect(try await again.connection(id).status == .ready)
        } catch {
            Issue.record("\(error)\n\(nodes.logs())")
        }
        await nodes.stop()
        peer.stop()
    }

    private func index(_ count: Int) -> Int { count % 2 }
}
