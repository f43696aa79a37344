import Foundation
import OAuthCore
import PostgresStore
import TestSupport
import Testing
import Vault

/// Two real `keyflow serve` processes on one PostgreSQL database, against the Authlib peer.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct TwoServeNodesTests {
    /// One APICall to the peer's `/api/me` with connection `id`.
    static func agent(peer: PeerServer, connection id: String) -> String {
        let components = [
            #"{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true}]}"#,
            #"{"id":"A","name":"APICall","title":"Me","data":{"method":"GET","url":"\#(peer.baseURL)/api/me","oauth_con_id":"\#(id)"},"inputs":[{"name":"trigger","index":0,"optional":true}],"outputs":[{"name":"Response","index":0,"default":true},{"name":"Headers","index":1,"default":true}]}"#,
            #"{"id":"O","name":"APIOutput","data":{"format":"minimal"},"inputs":[{"name":"c","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#,
        ]
        let links = [("E", 1, "A"), ("A", 0, "O")].map { source, index, target in
            #"{"sourceId":"\#(source)","sourceIndex":\#(index),"targetId":"\#(target)","targetIndex":0}"#
        }
        return
            #"{"id":"me","name":"Me","components":[\#(components.joined(separator: ","))],"connections":[\#(links.joined(separator: ","))]}"#
    }

    /// Adds the peer connection through node A's API and logs it in: the API call on A, the
    /// provider's redirect to the public address (node B), in a browser signed in on A.
    static func loggedInConnection(_ nodes: ServeNodes, peer: PeerServer) async throws -> String {
        let created = try await nodes.api(
            "POST", nodes.urls[0] + "/api/v1/connections",
            #"{"kind":"custom-oauth2","name":"Peer","fields":{"clientID":"confidential-basic","clientSecret":"secret-basic","authorizationURL":"\#(peer.baseURL)/authorize","tokenURL":"\#(peer.baseURL)/token","scopes":"read"}}"#
        )
        guard created.status == 201 || created.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(created.body)) as? [String: Any],
            let id = json["id"] as? String
        else {
            throw TestStoreError(
                "creating the connection: HTTP \(created.status) \(String(decoding: created.body, as: UTF8.self))")
        }
        let session = try await SignedInBrowser.session(
            at: nodes.urls[0], token: nodes.token, transport: nodes.transport)
        let started = try await nodes.api("POST", nodes.urls[0] + "/api/v1/connections/\(id)/authenticate")
        guard let body = try JSONSerialization.jsonObject(with: Data(started.body)) as? [String: Any],
            let authorizationURL = body["authorization_url"] as? String
        else { throw TestStoreError("authenticate: HTTP \(started.status)") }
        let callback = try await ConsentPage.decide(authorizationURL, using: nodes.transport)
        guard callback.hasPrefix(nodes.urls[1] + "/") else { throw TestStoreError("the callback goes to \(callback)") }
        let finished = try await nodes.transport.send(
            HTTPTransportRequest(method: "GET", url: callback, headers: [("Cookie", session)]), timeout: .seconds(30))
        guard finished.status < 400 else {
            throw TestStoreError(
                "the callback on node B: HTTP \(finished.status) \(String(decoding: finished.body, as: UTF8.self))")
        }
        return id
    }

    static func refreshCount(_ peer: PeerServer, _ transport: AsyncHTTPTransport) async throws -> Int {
        try await SharedVaultPeerTests.refreshCount(peer, transport: transport)
    }

    @Test func aLoginFromNodeAFinishesOnNodeBAndTwoHundredRunsAcrossBothShareOneRefresh() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        let nodes = try await ServeNodes(database: (try await PostgresTestDatabase.create()).connectionText())
        do {
            let id = try await Self.loggedInConnection(nodes, peer: peer)
            let status = try await nodes.api("GET", nodes.urls[0] + "/api/v1/connections/\(id)")
            #expect(String(decoding: status.body, as: UTF8.self).contains(#""status":"ready""#))

            let saved = try await nodes.api(
                "PUT", nodes.urls[1] + "/api/v1/agents/me", Self.agent(peer: peer, connection: id))
            #expect(saved.status == 201 || saved.status == 200, "\(String(decoding: saved.body, as: UTF8.self))")

            // The token expires; 100 runs on each node at once.
            let (vault, store) = try await nodes.vault()
            defer { store.close() }
            var tokens = try #require(try await vault.tokens(of: id))
            tokens.expiresAt = Date().timeIntervalSince1970 - 1
            try await vault.storeTokens(id, tokens)
            let before = try await Self.refreshCount(peer, nodes.transport)
            let runs = try await withThrowingTaskGroup(of: HTTPTransportResponse.self) { group in
                for index in 0..<200 {
                    group.addTask { try await nodes.api("POST", nodes.urls[index % 2] + "/api/v1/agents/me/run", "{}") }
                }
                return try await group.reduce(into: [HTTPTransportResponse]()) { $0.append($1) }
            }
            let statuses = runs.map(\.status)
            #expect(statuses.allSatisfy { $0 == 200 }, "statuses: \(Set(statuses)); \(nodes.logs())")
            // Every run reached the API with a valid token: the peer answered with its user.
            let answered = runs.filter { String(decoding: $0.body, as: UTF8.self).contains("alice") }.count
            #expect(answered == 200, "\(String(decoding: runs.first?.body ?? [], as: UTF8.self))")
            #expect(try await Self.refreshCount(peer, nodes.transport) == before + 1)
            #expect(try await vault.tokens(of: id)?.accessToken != tokens.accessToken)

            // While the nodes run, their store cannot be copied away (their writes would be lost).
            let target = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-copy-\(UUID()).sqlite")
            let copy = try KeyflowCLI.run(
                ["db", "copy", "--from", nodes.database, "--to", "sqlite:\(target.path)"],
                environment: ["KEYFLOW_HOME": nodes.directory.appendingPathComponent("copier").path])
            #expect(copy.status == 2 && copy.stderr.contains("keyflow serve is using the source"), "\(copy.stderr)")
        } catch {
            Issue.record("\(error)\n\(nodes.logs())")
        }
        await nodes.stop()
        peer.stop()
    }
}

/// PostgreSQL restarted under traffic: the nodes' pools reconnect, no token is lost or spent
/// twice, and the runs that failed meanwhile say why.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct PostgresRestartTests {
    @Test func runsSurviveARestartOfPostgresMidTrafficAndTheTokenStaysGood() async throws {
        let cluster = try DevPostgresCluster()
        defer { cluster.stop() }
        let peer = try PeerServer(script: "authlib_server.py")
        let nodes = try await ServeNodes(database: cluster.databaseURL)
        do {
            let id = try await TwoServeNodesTests.loggedInConnection(nodes, peer: peer)
            let saved = try await nodes.api(
                "PUT", nodes.urls[0] + "/api/v1/agents/me", TwoServeNodesTests.agent(peer: peer, connection: id))
            #expect(saved.status == 201 || saved.status == 200)

            // 16 callers keep both nodes busy; the token expires and PostgreSQL restarts meanwhile.
            let stop = LockedFlag()
            let traffic = Task {
                try await withThrowingTaskGroup(of: [HTTPTransportResponse].self) { group in
                    for caller in 0..<16 {
                        group.addTask {
                            var seen: [HTTPTransportResponse] = []
                            while !stop.isSet {
                                seen.append(
                                    try await nodes.api("POST", nodes.urls[caller % 2] + "/api/v1/agents/me/run", "{}"))
                            }
                            return seen
                        }
                    }
                    return try await group.reduce(into: [HTTPTransportResponse]()) { $0 += $1 }
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            let (vault, store) = try await nodes.vault()
            var tokens = try #require(try await vault.tokens(of: id))
            tokens.expiresAt = Date().timeIntervalSince1970 - 1
            try await vault.storeTokens(id, tokens)
            store.close()
            try cluster.restart()
            try await Task.sleep(for: .seconds(3))
            stop.set()
            let responses = try await traffic.value

            let failed = responses.filter { !String(decoding: $0.body, as: UTF8.self).contains("alice") }
            let reasons = Set(failed.map { String(decoding: $0.body, as: UTF8.self).prefix(300) })
            // Whatever failed said why, in words (a database error, never an empty 500).
            for response in failed {
                let body = String(decoding: response.body, as: UTF8.self)
                #expect(body.contains("PostgreSQL") || body.contains("storage"), "HTTP \(response.status): \(body)")
            }
            #expect(responses.count - failed.count > 0)

            // After the restart every run works, on both nodes, with a token the peer accepts:
            // the rotated refresh token was neither lost nor spent twice.
            for url in nodes.urls {
                let run = try await nodes.api("POST", url + "/api/v1/agents/me/run", "{}")
                #expect(run.status == 200 && String(decoding: run.body, as: UTF8.self).contains("alice"), "\(url)")
            }
            let (after, afterStore) = try await nodes.vault()
            defer { afterStore.close() }
            #expect(try await after.connection(id).status == .ready)
            #expect(try await after.tokens(of: id)?.accessToken != tokens.accessToken)
            print(
                "PostgresRestartTests: \(responses.count) runs, \(failed.count) failed during the restart: \(reasons)")
        } catch {
            Issue.record("\(error)\n\(await Self.runRows(nodes))\n\(nodes.logs())")
        }
        await nodes.stop()
        peer.stop()
    }

    /// The runs not yet ended, as the database has them: what a failure needs to be read.
    static func runRows(_ nodes: ServeNodes) async -> String {
        guard let (vault, store) = try? await nodes.vault() else { return "(the database cannot be read)" }
        defer { store.close() }
        _ = vault
        let rows =
            (try? await store.rows(
                "SELECT id, status, worker, attempts, lease_until, created_at, started_at FROM runs WHERE status IN ('queued', 'running')"
            ) { row in
                "\(try row["id"].decode(String.self)) \(try row["status"].decode(String.self)) "
                    + "\(try row["worker"].decode(String?.self) ?? "-") attempt \(try row["attempts"].decode(Int.self)) "
                    + "lease \(try row["lease_until"].decode(Double?.self) ?? 0) created \(try row["created_at"].decode(Double.self)) "
                    + "started \(try row["started_at"].decode(Double?.self) ?? 0)"
            }) ?? ["(the query failed)"]
        return "runs not ended at \(Date().timeIntervalSince1970): \(rows.count)\n" + rows.joined(separator: "\n")
    }
}

/// A flag set once, read from many tasks.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// "+ Add New" on node A's agents page, the provider's callback on node B: B finds the Add New
/// target in the store and selects the new connection in A's agent.
@Suite(.serialized, .enabled(if: StoreKind.available.contains(.postgres)))
struct AddNewAcrossNodesTests {
    static func field(_ html: String, after marker: String) throws -> String {
        guard let start = html.range(of: marker) else { throw TestStoreError("the page has no \(marker)") }
        return String(html[start.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func anAddNewLoginStartedOnNodeAIsSelectedWhenItsCallbackLandsOnNodeB() async throws {
        let peer = try PeerServer(script: "authlib_server.py")
        let nodes = try await ServeNodes(
            database: (try await PostgresTestDatabase.create()).connectionText())
        do {
            let agent = TwoServeNodesTests.agent(peer: peer, connection: "none")
                .replacingOccurrences(of: #","oauth_con_id":"none""#, with: "")
            let saved = try await nodes.api("PUT", nodes.urls[0] + "/api/v1/agents/pick", agent)
            #expect(saved.status == 201 || saved.status == 200)

            let session = try await SignedInBrowser.session(
                at: nodes.urls[0], token: nodes.token, transport: nodes.transport)
            let page = try await nodes.transport.send(
                HTTPTransportRequest(
                    method: "GET", url: nodes.urls[0] + "/agents/pick", headers: [("Cookie", session)]),
                timeout: .seconds(10))
            let csrf = try Self.field(String(decoding: page.body, as: UTF8.self), after: "name=\"csrf\" value=\"")
            let form = [
                "csrf=\(csrf)", "attach_agent=pick", "attach_component=A", "kind=custom-oauth2", "name=Picked",
                "clientID=confidential-basic", "clientSecret=secret-basic",
                "authorizationURL=\(PercentEncoding.encode(peer.baseURL + "/authorize"))",
                "tokenURL=\(PercentEncoding.encode(peer.baseURL + "/token"))", "scopes=read",
            ].joined(separator: "&")
            let added = try await nodes.transport.send(
                HTTPTransportRequest(
                    method: "POST", url: nodes.urls[0] + "/vault/connections",
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", session)],
                    body: Array(form.utf8)), timeout: .seconds(10))
            let login = try Self.field(
                String(decoding: added.body, as: UTF8.self), after: "id=\"continue-login\" href=\"")

            let callback = try await ConsentPage.decide(login, using: nodes.transport)
            #expect(callback.hasPrefix(nodes.urls[1] + "/"))
            let landed = try await nodes.transport.send(
                HTTPTransportRequest(method: "GET", url: callback, headers: [("Cookie", session)]),
                timeout: .seconds(30))
            let location = landed.headers.first { $0.name.lowercased() == "location" }?.value ?? ""
            #expect(
                location.hasPrefix("/agents/pick") && location.contains("selected"), "HTTP \(landed.status) \(location)"
            )

            let listed = try await nodes.api("GET", nodes.urls[0] + "/api/v1/connections")
            let connections = try JSONSerialization.jsonObject(with: Data(listed.body)) as? [[String: Any]]
            let id = try #require(connections?.first?["id"] as? String)
            let stored = try await nodes.api("GET", nodes.urls[0] + "/api/v1/agents/pick")
            #expect(String(decoding: stored.body, as: UTF8.self).contains(id))
            let run = try await nodes.api("POST", nodes.urls[0] + "/api/v1/agents/pick/run", "{}")
            #expect(String(decoding: run.body, as: UTF8.self).contains("alice"))
        } catch {
            Issue.record("\(error)\n\(nodes.logs())")
        }
        await nodes.stop()
        peer.stop()
    }
}
