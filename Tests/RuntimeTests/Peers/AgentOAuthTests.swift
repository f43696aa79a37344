import Foundation
import OAuthCore
import TestSupport
import Testing
import Vault

/// APICall's OAuth section end to end through `keyflow run`: a vault connection, a Legacy
/// inline config and an Add New section, against Authlib; pre-flight, host binding, 401 →
/// refresh → retry, and one refresh for many parallel calls.
@Suite(.serialized) struct AgentOAuthTests {
    /// A home, a peer and a way to write agents and run them as a user would.
    struct Setup {
        let peer: PeerServer
        let directory: URL
        let home: KeyflowHome
        /// `KEYFLOW_PUBLIC_URL`: where the CLI's callback listener is reached.
        let publicURL: String
        let transport = AsyncHTTPTransport()

        init(peerArguments: [String] = []) throws {
            peer = try PeerServer(script: "authlib_server.py", arguments: peerArguments)
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "keyflow-agent-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let port = try SilentListener().closeAndReturnPort()
            home = KeyflowHome(directory: directory.appendingPathComponent("home"))
            publicURL = "http://127.0.0.1:\(port)"
        }

        var environment: [String: String] { ["KEYFLOW_HOME": home.directory.path, "KEYFLOW_PUBLIC_URL": publicURL] }
        func vault() async throws -> Vault { try await Vault.open(home: home).vault }

        /// Adds a custom OAuth 2.0 connection to the peer and logs it in.
        func loggedInConnection(name: String = "Peer") async throws -> String {
            let vault = try await vault()
            let id = try await vault.add(kind: "custom-oauth2", name: name, input: peerInput()).id
            try await logIn(id, vault: vault)
            return id
        }

        func peerInput(secret: String = "secret-basic") -> ConnectionInput {
            ConnectionInput(
                text: [
                    "clientID": "confidential-basic", "clientSecret": secret,
                    "authorizationURL": peer.baseURL + "/authorize",
                    "tokenURL": peer.baseURL + "/token", "revocationURL": peer.baseURL + "/revoke",
                ], scopes: ["read"])
        }

        func logIn(_ id: String, vault: Vault) async throws {
            let flows = AuthorizationFlows(vault: vault, transport: transport, callbacks: CallbackURLs(base: publicURL))
            guard case .browser(let url) = try await flows.start(id) else { return }
            let location = try RequestURL(try await ConsentPage.decide(url, using: transport))
            try await flows.complete(path: location.path, query: location.query ?? "")
        }

        /// Writes an agent: an endpoint, the given APICalls (each `{"id", "data"}`) fed by it,
        /// and an APIOutput collecting their responses.
        func writeAgent(_ calls: [(id: String, data: String)], name: String = "agent.smyth") throws -> String {
            var components = [
                #"{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "headers", "index": 0, "default": true}, {"name": "body", "index": 1, "default": true}]}"#
            ]
            var connections: [String] = []
            let outputInputs = calls.enumerated().map { #"{"name": "\#($1.id)", "index": \#($0)}"# }.joined(
                separator: ",")
            for (index, call) in calls.enumerated() {
                components.append(
                    #"{"id": "\#(call.id)", "name": "APICall", "title": "Call \#(call.id)", "data": \#(call.data), "inputs": [{"name": "trigger", "index": 0, "optional": true}], "outputs": [{"name": "Response", "index": 0, "default": true}, {"name": "Headers", "index": 1, "default": true}]}"#
                )
                connections.append(#"{"sourceId": "E", "sourceIndex": 1, "targetId": "\#(call.id)", "targetIndex": 0}"#)
                connections.append(
                    #"{"sourceId": "\#(call.id)", "sourceIndex": 0, "targetId": "O", "targetIndex": \#(index)}"#)
            }
            components.append(
                #"{"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [\#(outputInputs)], "outputs": [{"name": "Output", "index": 0, "default": true}]}"#
            )
            let path = directory.appendingPathComponent(name).path
            try Data(
                #"{"id": "agent-1", "name": "Test", "components": [\#(components.joined(separator: ","))], "connections": [\#(connections.joined(separator: ","))]}"#
                    .utf8
            )
            .write(to: URL(fileURLWithPath: path))
            return path
        }

        func run(_ agent: String, _ extra: [String] = ["--non-interactive"]) throws -> KeyflowCLI.Result {
            try KeyflowCLI.run(["run", agent, "--input", "x=1", "--quiet"] + extra, environment: environment)
        }

        func stats() async throws -> [String: Any] {
            let response = try await transport.send(
                HTTPTransportRequest(method: "GET", url: peer.baseURL + "/stats"), timeout: .seconds(5))
            return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        }

        func refreshes() async throws -> Int {
            ((try await stats())["token_requests"] as? [String: Int])?["refresh_token"] ?? -1
        }
        func apiCalls() async throws -> Int { (try await stats())["api_calls"] as? Int ?? -1 }

        func close() async {
            peer.stop()
            try? await transport.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func aVaultConnectionAuthorizesTheCall() async throws {
        let setup = try Setup()
        let id = try await setup.loggedInConnection()
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", "oauth_con_id": "\#(id)"}"#)
        ])
        let result = try setup.run(agent)
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((output?["A"] as? [String: Any])?["sub"] as? String == "alice")
        let access = try #require(try await setup.vault().tokens(of: id)?.accessToken)
        #expect(!result.stdout.contains(access) && !result.stderr.contains(access))

        // The trace has each step's status, time and the redacted exchange, never the token.
        let tracePath = setup.directory.appendingPathComponent("trace.json").path
        #expect(try setup.run(agent, ["--non-interactive", "--trace", tracePath]).status == 0)
        let traceText = try String(contentsOfFile: tracePath, encoding: .utf8)
        #expect(!traceText.contains(access))
        let trace = try JSONSerialization.jsonObject(with: Data(traceText.utf8)) as? [[String: Any]] ?? []
        #expect(trace.map { $0["component"] as? String } == ["E", "A", "O"])
        let http = (trace[1]["http"] as? [String: Any])
        #expect((http?["request"] as? [String: Any])?["url"] as? String == setup.peer.baseURL + "/api/me")
        #expect((http?["request"] as? [String: Any])?["connection"] as? String == id)
        #expect((http?["response"] as? [String: Any])?["status"] as? Int == 200)
        #expect(trace.allSatisfy { $0["status"] as? String == "succeeded" && $0["duration_ms"] != nil })
        await setup.close()
    }

    @Test func aLegacyInlineConfigBecomesALegacyConnectionThatSurvivesBetweenRuns() async throws {
        let setup = try Setup()
        let inline =
            #""oauthService": "Custom OAuth2.0", "authorizationURL": "\#(setup.peer.baseURL)/authorize", "tokenURL": "\#(setup.peer.baseURL)/token", "clientID": "confidential-basic", "clientSecret": "secret-basic", "scope": "read""#
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", \#(inline)}"#)
        ])
        let first = try setup.run(agent)
        #expect(first.status == 1)
        #expect(first.stderr.contains("pre-flight") && first.stderr.contains("not authenticated"))
        let vault = try await setup.vault()
        let legacy = try #require(try await vault.legacyConnection(agentID: "agent-1", componentID: "A"))
        #expect(legacy.isLegacy && legacy.kind == "custom-oauth2" && legacy.name == "Call A (Legacy)")
        let list = try KeyflowCLI.run(["vault", "list"], environment: setup.environment)
        #expect(list.stdout.contains(legacy.id) && list.stdout.contains("Legacy"))
        // A second run finds the same Legacy connection; after a login it runs.
        _ = try setup.run(agent)
        #expect(try await vault.list().count == 1)
        try await setup.logIn(legacy.id, vault: vault)
        let second = try setup.run(agent)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\"sub\": \"alice\""))
        await setup.close()
    }

    @Test func migrateTurnsALegacySectionIntoASharedConnection() async throws {
        let setup = try Setup()
        let inline =
            #""oauthService": "Custom OAuth2.0", "authorizationURL": "\#(setup.peer.baseURL)/authorize", "tokenURL": "\#(setup.peer.baseURL)/token", "clientID": "confidential-basic", "clientSecret": "secret-basic", "scope": "read""#
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", \#(inline)}"#)
        ])
        let migrated = try KeyflowCLI.run(["vault", "migrate", agent], environment: setup.environment)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let connection = try #require(try await setup.vault().list().first)
        #expect(!connection.isLegacy && connection.name == "Call A")
        #expect(migrated.stdout.contains("A: now uses \(connection.id)"))
        let rewritten = try String(contentsOfFile: agent, encoding: .utf8)
        #expect(rewritten.contains("\"oauth_con_id\": \"\(connection.id)\"") && !rewritten.contains("secret-basic"))
        #expect(try String(contentsOfFile: agent + ".bak", encoding: .utf8).contains("secret-basic"))
        try await setup.logIn(connection.id, vault: try setup.vault())
        #expect(try setup.run(agent).status == 0)
        await setup.close()
    }

    /// A broken inline section is reported at its component and the section's own key, not
    /// as a `vault add` flag; nothing is written and the agent file is left as it was.
    @Test func migrateNamesTheBrokenFieldOfTheInlineSection() async throws {
        let setup = try Setup()
        let inline =
            #""oauthService": "Custom OAuth2.0", "authorizationURL": "\#(setup.peer.baseURL)/authorize", "tokenURL": "not a url", "clientID": "confidential-basic", "clientSecret": "secret-basic""#
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", \#(inline)}"#)
        ])
        let before = try String(contentsOfFile: agent, encoding: .utf8)
        let migrated = try KeyflowCLI.run(["vault", "migrate", agent], environment: setup.environment)
        #expect(migrated.status == 2, "\(migrated.stderr)")
        #expect(migrated.stderr.contains("\(agent): component A: tokenURL"), "\(migrated.stderr)")
        #expect(!migrated.stderr.contains("--token-url"))
        #expect(try String(contentsOfFile: agent, encoding: .utf8) == before)
        #expect(try await setup.vault().list().isEmpty)
        await setup.close()
    }

    @Test func addNewCreatesOnceLogsInAndSaves() async throws {
        let setup = try Setup(peerArguments: ["--auto-approve"])
        let vault = try await setup.vault()
        try await vault.setKey("PEER_SECRET", value: "secret-basic")
        let section =
            #""oauth_con_id": "add_new", "oauth_new": {"kind": "custom-oauth2", "name": "Peer (new)", "clientID": "confidential-basic", "clientSecret": "{{KEY(PEER_SECRET)}}", "authorizationURL": "\#(setup.peer.baseURL)/authorize", "tokenURL": "\#(setup.peer.baseURL)/token", "scopes": "read"}"#
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", \#(section)}"#)
        ])
        let refused = try setup.run(agent)
        #expect(refused.status == 1 && refused.stderr.contains("--non-interactive"))
        _ = try setup.run(agent)
        let created = try await vault.list()
        #expect(created.count == 1 && created[0].name == "Peer (new)")
        #expect(try await vault.secrets(of: created[0].id).clientSecret == "secret-basic")

        // Interactively: the run prints the login URL on stderr and waits; a browser follows it.
        let process = Process()
        process.executableURL = KeyflowCLI.executable
        process.arguments = ["run", agent, "--quiet", "--save"]
        process.environment = ProcessInfo.processInfo.environment.merging(setup.environment) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        var said = ""
        while !said.contains("Waiting for the callback") {
            let chunk = stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        let url = try #require(said.split(separator: "\n").first { $0.hasPrefix("http") }.map(String.init))
        let approval = try await setup.transport.send(
            HTTPTransportRequest(method: "GET", url: url), timeout: .seconds(10))
        let callback = try #require(approval.header("Location"))
        _ = try await setup.transport.send(HTTPTransportRequest(method: "GET", url: callback), timeout: .seconds(10))
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(process.terminationStatus == 0, "\(said)")
        #expect(output.contains("\"sub\": \"alice\""))
        let saved = try String(contentsOfFile: agent, encoding: .utf8)
        #expect(saved.contains("\"oauth_con_id\": \"\(created[0].id)\"") && !saved.contains("oauth_new"))
        #expect(FileManager.default.fileExists(atPath: agent + ".bak"))
        #expect(try await vault.list().count == 1)
        await setup.close()
    }

    @Test func preflightReportsEveryProblemAndSendsNothing() async throws {
        let setup = try Setup()
        let vault = try await setup.vault()
        let unauthenticated = try await vault.add(
            kind: "custom-oauth2", name: "Never logged in", input: setup.peerInput()
        ).id
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", "oauth_con_id": "kc_doesNotExist"}"#),
            ("B", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", "oauth_con_id": "\#(unauthenticated)"}"#),
            ("C", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", "oauthService": "Myspace"}"#),
        ])
        let result = try setup.run(agent)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("components[1].data.oauth_con_id (A “Call A”): no vault connection kc_doesNotExist"))
        #expect(
            result.stderr.contains(
                "components[2].data.oauth_con_id (B “Call B”): connection \(unauthenticated) is not authenticated"))
        #expect(
            result.stderr.contains(
                "components[3].data (C “Call C”): oauthService: \"Myspace\" is not a SmythOS OAuth service"))
        #expect(try await setup.apiCalls() == 0)
        await setup.close()
    }

    @Test func aHostTheConnectionDoesNotAllowIsRefusedBeforeSending() async throws {
        let setup = try Setup()
        let id = try await setup.loggedInConnection()
        let localhost = setup.peer.baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(localhost)/api/me", "oauth_con_id": "\#(id)"}"#)
        ])
        let result = try setup.run(agent)
        #expect(result.status == 1)
        #expect(result.stderr.contains("may not be sent to http://localhost:") && result.stderr.contains(id))
        #expect(try await setup.apiCalls() == 0)
        await setup.close()
    }

    @Test func a401RefreshesOnceAndRetries() async throws {
        let setup = try Setup()
        let id = try await setup.loggedInConnection()
        let access = try #require(try await setup.vault().tokens(of: id)?.accessToken)
        try await OAuth2Client(
            configuration: OAuth2Configuration(
                clientID: "confidential-basic", clientSecret: "secret-basic",
                tokenURL: setup.peer.baseURL + "/token", revocationURL: setup.peer.baseURL + "/revoke"),
            transport: setup.transport
        ).revoke(access, hint: .accessToken)
        let agent = try setup.writeAgent([
            ("A", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", "oauth_con_id": "\#(id)"}"#)
        ])
        let result = try setup.run(agent)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await setup.refreshes() == 1)
        await setup.close()
    }

    @Test func twentyParallelCallsOnATokenThatExpiresMidRunShareOneRefresh() async throws {
        // Tokens live 63 s; with the broker's 60 s skew they need refreshing 3 s after login.
        let setup = try Setup(peerArguments: ["--expires-in", "63"])
        let id = try await setup.loggedInConnection()
        let calls = (0..<20).map {
            ("P\($0)", #"{"method": "GET", "url": "\#(setup.peer.baseURL)/api/me", "oauth_con_id": "\#(id)"}"#)
        }
        // endpoint → 29 sleeps of 0 s in a chain, one of 4 s → 20 parallel calls → output: 50 steps.
        var components = [
            #"{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}]}"#
        ]
        var links: [String] = []
        var previous = "E"
        for index in 0..<29 {
            components.append(
                #"{"id": "S\#(index)", "name": "FSleep", "data": {"delay": "\#(index == 28 ? 4 : 0)"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}"#
            )
            links.append(#"{"sourceId": "\#(previous)", "sourceIndex": 0, "targetId": "S\#(index)", "targetIndex": 0}"#)
            previous = "S\(index)"
        }
        for (index, call) in calls.enumerated() {
            components.append(
                #"{"id": "\#(call.0)", "name": "APICall", "data": \#(call.1), "inputs": [{"name": "trigger", "index": 0}], "outputs": [{"name": "Response", "index": 0, "default": true}]}"#
            )
            links.append(#"{"sourceId": "\#(previous)", "sourceIndex": 0, "targetId": "\#(call.0)", "targetIndex": 0}"#)
            links.append(#"{"sourceId": "\#(call.0)", "sourceIndex": 0, "targetId": "O", "targetIndex": \#(index)}"#)
        }
        components.append(
            #"{"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [\#(calls.enumerated().map { #"{"name": "\#($1.0)", "index": \#($0)}"# }.joined(separator: ","))]}"#
        )
        #expect(components.count == 51)
        let path = setup.directory.appendingPathComponent("fifty.smyth").path
        try Data(
            #"{"id": "fifty", "components": [\#(components.joined(separator: ","))], "connections": [\#(links.joined(separator: ","))]}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: path))
        let result = try setup.run(path)
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(output?.count == 20)
        #expect(try await setup.refreshes() == 1)
        #expect(try await setup.apiCalls() == 20)
        await setup.close()
    }
}
