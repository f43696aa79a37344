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

/// The agent's graph on the agents page and the run page: a node per component where Studio
/// put it (or laid out by the flow), an edge per connection between its ports, each APICall's
/// OAuth badge from the viewing team's vault, outcomes and times after a run; hostile names
/// stay text and hostile numbers neither trap nor blow up the page.
struct AgentGraphTests {
    /// A port list as the file writes it.
    static func ports(_ names: [String]) -> String {
        "[" + names.enumerated().map { #"{"name": "\#($1)", "index": \#($0)}"# }.joined(separator: ", ") + "]"
    }

    /// Two endpoints: `go` hashes its input (and never feeds SIDE, whose port gets no value),
    /// `bad` hands an object to a hex decoder, which fails. Studio positions, one top negative.
    static let flows = """
        {"id": "flows", "name": "Two flows", "components": [
          {"id": "E", "name": "APIEndpoint", "title": "Go", "left": "50px", "top": "0px", "data": {"endpoint": "go"},
           "inputs": \(ports(["data"])), "outputs": \(ports(["headers", "body", "body.data"]))},
          {"id": "H", "name": "FHash", "title": "Hash", "left": "500px", "top": "-40px", "data": {"algorithm": "md5"},
           "inputs": \(ports(["Data"])), "outputs": \(ports(["Hash", "Nope"]))},
          {"id": "OUT", "name": "APIOutput", "title": "Out", "left": 950, "top": "100.4px", "data": {"format": "minimal"},
           "inputs": \(ports(["result"])), "outputs": \(ports(["Output"]))},
          {"id": "SIDE", "name": "FTimestamp", "title": "Side", "left": "950px", "top": "300px",
           "inputs": \(ports(["Trigger"])), "outputs": \(ports(["Timestamp"]))},
          {"id": "E2", "name": "APIEndpoint", "title": "Bad", "left": "50px", "top": "400px", "data": {"endpoint": "bad"},
           "inputs": \(ports(["data"])), "outputs": \(ports(["headers", "body"]))},
          {"id": "DEC", "name": "FEncDec", "title": "Decode", "left": "500px", "top": "400px",
           "data": {"action": "Decode", "encoding": "hex"}, "inputs": \(ports(["Data"])), "outputs": \(ports(["Output"]))},
          {"id": "OUT2", "name": "APIOutput", "title": "Out 2", "left": "950px", "top": "500px", "data": {"format": "minimal"},
           "inputs": \(ports(["result"])), "outputs": \(ports(["Output"]))}],
         "connections": [
           {"sourceId": "E", "sourceIndex": 2, "targetId": "H", "targetIndex": 0},
           {"sourceId": "H", "sourceIndex": 0, "targetId": "OUT", "targetIndex": 0},
           {"sourceId": "H", "sourceIndex": 1, "targetId": "SIDE", "targetIndex": 0},
           {"sourceId": "E2", "sourceIndex": 1, "targetId": "DEC", "targetIndex": 0},
           {"sourceId": "DEC", "sourceIndex": 0, "targetId": "OUT2", "targetIndex": 0}]}
        """

    /// An APICall with `data` (its OAuth section), at no position.
    static func apiCall(_ id: String, _ data: String) -> String {
        #"{"id": "\#(id)", "name": "APICall", "title": "\#(id)", "data": \#(data), "inputs": \#(ports(["trigger"])), "outputs": \#(ports(["Response"]))}"#
    }

    /// The graph on `uri`'s page, parsed.
    static func graph(_ client: some TestClientProtocol, _ uri: String) async throws -> SVGElements {
        let page = try await client.execute(uri: uri, method: .get)
        #expect(page.status == .ok)
        return try #require(SVGElements.parse(page: String(buffer: page.body)))
    }

    static func app() async throws -> (some ApplicationProtocol, Vault, AsyncHTTPTransport) {
        let transport = AsyncHTTPTransport()
        let (app, root) = try await ConnectionsAPITests.app(transport: transport)
        return (app, root, transport)
    }

    @Test func eachComponentIsANodeWhereStudioPutItAndEachConnectionAnEdgeBetweenItsPorts() async throws {
        let (app, root, transport) = try await Self.app()
        defer { Task { try? await transport.shutdown() } }
        try await AgentsPageTests.write(Self.flows, as: "flows", in: root)
        try await app.test(.router) { client in
            let svg = try await Self.graph(client, "/agents/flows")
            #expect(svg.root["role"] == "img")
            #expect(svg.root["aria-label"] == "Graph of Two flows: 7 components, 5 connections")
            let nodes = svg.nodes()
            // Shifted so that the leftmost and topmost start at the 20 px margin: left 50 → 20, top -40 → 20.
            let expected: [String: (Int, Int)] = [
                "E": (20, 60), "H": (470, 20), "OUT": (920, 160), "SIDE": (920, 360), "E2": (20, 460),
                "DEC": (470, 460), "OUT2": (920, 560),
            ]
            #expect(nodes.count == expected.count)
            for (id, (x, y)) in expected {
                let node = try #require(nodes[id], "no node \(id)")
                #expect(node.box["x"] == "\(x)" && node.box["y"] == "\(y)", "\(id): \(node.box)")
                #expect(node.title.contains(id))
                #expect(node.classes == ["node"], "no outcome before a run")
            }
            #expect(nodes["H"]?.texts["node-title"] == ["Hash"] && nodes["H"]?.texts["node-type"] == ["FHash · H"])
            // The ports are labelled: inputs on the left, outputs on the right.
            #expect(nodes["E"]?.texts["port-out"] == ["headers", "body", "body.data"])
            #expect(nodes["H"]?.texts["port-in"] == ["Data"] && nodes["H"]?.texts["port-out"] == ["Hash", "Nope"])
            let edges = svg.all("edge").map(\.element)
            #expect(edges.count == 5)
            // E's third output (row 2: y 60 + 42 + 2×16 + 8) to H's first input (y 20 + 42 + 8), bending
            // half the distance between them.
            #expect(edges.first?.attributes["d"] == "M240,142 C355,142 355,70 470,70")
            let titles = svg.elements.filter { $0.name == "title" }.map(\.text)
            #expect(titles.contains("E “Go” body.data → H “Hash” Data"))
            #expect(titles.contains("H “Hash” Nope → SIDE “Side” Trigger"))
        }
    }

    @Test func anAgentWithoutPositionsIsLaidOutInColumnsByItsFlowCyclesIncluded() async throws {
        let (app, root, transport) = try await Self.app()
        defer { Task { try? await transport.shutdown() } }
        // The positions are gone; a cycle (C ⇄ D, which validation would refuse) must still be drawn.
        var plain = Self.flows
        for position in ["50px", "500px", "950px", "0px", "-40px", "100.4px", "300px", "400px", "500px"] {
            plain = plain.replacingOccurrences(of: "\"\(position)\"", with: "null")
        }
        plain = plain.replacingOccurrences(of: #""left": 950,"#, with: "")
        try await AgentsPageTests.write(plain, as: "plain", in: root)
        let cycle = """
            {"components": [
              {"id": "A", "name": "Note", "outputs": \(Self.ports(["out"]))},
              {"id": "C", "name": "Note", "inputs": \(Self.ports(["in"])), "outputs": \(Self.ports(["out"]))},
              {"id": "D", "name": "Note", "inputs": \(Self.ports(["in"])), "outputs": \(Self.ports(["out"]))}],
             "connections": [{"sourceId": "A", "sourceIndex": 0, "targetId": "C", "targetIndex": 0},
                             {"sourceId": "C", "sourceIndex": 0, "targetId": "D", "targetIndex": 0},
                             {"sourceId": "D", "sourceIndex": 0, "targetId": "C", "targetIndex": 0},
                             {"sourceId": "D", "sourceIndex": 0, "targetId": "D", "targetIndex": 0}]}
            """
        try await AgentsPageTests.write(cycle, as: "cycle", in: root)
        try await app.test(.router) { client in
            let nodes = try await Self.graph(client, "/agents/plain").nodes()
            // Columns 300 px apart (220 wide, 80 between); a column stacks its components 30 px apart.
            func at(_ id: String) -> String { "\(nodes[id]?.box["x"] ?? "?"),\(nodes[id]?.box["y"] ?? "?")" }
            #expect(at("E") == "20,20" && at("H") == "320,20" && at("OUT") == "620,20")
            // E is 98 px high (3 port rows), H 82 (2 rows), OUT and SIDE 66 (1 row).
            #expect(at("E2") == "20,148" && at("DEC") == "320,132")
            #expect(at("SIDE") == "620,116" && at("OUT2") == "620,212")
            let looped = try await Self.graph(client, "/agents/cycle")
            let boxes = looped.nodes().mapValues { $0.box["x"] ?? "" }
            #expect(boxes == ["A": "20", "C": "320", "D": "620"])
            #expect(looped.all("edge").count == 4)
        }
    }

    @Test func hostileNumbersInPositionsNeitherTrapNorBreakTheDrawing() async throws {
        let (app, root, transport) = try await Self.app()
        defer { Task { try? await transport.shutdown() } }
        let extremes = """
            {"components": [
              {"id": "A", "name": "Note", "left": 1e308, "top": -1e308},
              {"id": "B", "name": "Note", "left": "-1e308px", "top": "1e308"}]}
            """
        let garbage = """
            {"components": [
              {"id": "A", "name": "Note", "left": "NaN", "top": "Infinity"},
              {"id": "B", "name": "Note", "left": {"x": 1}, "top": [1]},
              {"id": "C", "name": "Note", "left": "9223372036854775808", "top": "-9223372036854775809px"},
              {"id": "D", "name": "Note", "left": true, "top": "12 px"}]}
            """
        try await AgentsPageTests.write(extremes, as: "extremes", in: root)
        try await AgentsPageTests.write(garbage, as: "garbage", in: root)
        try await app.test(.router) { client in
            let far = try await Self.graph(client, "/agents/extremes")
            // Clamped to ±100,000 px: the two stand 200,000 px apart, and the view box says so
            // (a Note, with no ports, is 50 px high).
            #expect(far.nodes()["A"]?.box["x"] == "200020" && far.nodes()["A"]?.box["y"] == "20")
            #expect(far.nodes()["B"]?.box["x"] == "20" && far.nodes()["B"]?.box["y"] == "200020")
            #expect(far.root["viewBox"] == "0 0 200260 200090")
            // Not every component has a readable position, so all are laid out by the flow.
            let laidOut = try await Self.graph(client, "/agents/garbage").nodes()
            #expect(laidOut.count == 4 && laidOut.values.allSatisfy { $0.box["x"] == "20" })
        }
    }

    @Test func eachAPICallCarriesItsOAuthBadgeNamedFromTheViewingTeamsVaultOnly() async throws {
        let (app, root, transport) = try await Self.app()
        defer { Task { try? await transport.shutdown() } }
        let input = ConnectionInput(text: [
            "clientID": "app", "clientSecret": "secret-0123456789", "authorizationURL": "https://api.example/authorize",
            "tokenURL": "https://api.example/token",
        ])
        let vault = root.forTeam(Vault.localTeam)
        let mine = try await vault.add(kind: "custom-oauth2", name: "Mine", input: input)
        let theirs = try await root.forTeam("other").add(kind: "custom-oauth2", name: "Theirs", input: input)
        let legacy = try #require(
            try AgentLoader.parse(Array(try Repository.text("workflows/legacy-inline.smyth").utf8), source: "l")
                .components.first { $0.type == "APICall" })
        let agent = """
            {"components": [
              \(Self.apiCall("VAULT", #"{"url": "https://api.example/a", "oauth_con_id": "\#(mine.id)"}"#)),
              \(Self.apiCall("FOREIGN", #"{"url": "https://api.example/b", "oauth_con_id": "\#(theirs.id)"}"#)),
              \(Self.apiCall("LEGACY", JSONWriter.string(.object(legacy.data)))),
              \(Self.apiCall("NEW", #"{"url": "https://api.example/c", "oauth_con_id": "add_new", "oauth_new": {"kind": "custom-oauth2", "name": "Fresh"}}"#)),
              \(Self.apiCall("PLAIN", #"{"url": "https://api.example/d", "oauthService": "None"}"#))]}
            """
        try await AgentsPageTests.write(agent, as: "badges", in: vault)
        try await app.test(.router) { client in
            let svg = try await Self.graph(client, "/agents/badges")
            var badges: [String: String] = [:]
            for (index, badge) in svg.all("graph-badge") {
                let node = try #require(svg.elements[index].parent.map { svg.elements[$0] })
                let words = svg.elements.filter { $0.parent == index && $0.name == "text" }.map(\.text).joined()
                badges[node.attributes["data-component"] ?? ""] = "\(badge.classes[1]) \(words)"
            }
            #expect(
                badges == [
                    "VAULT": "badge-vault Mine", "FOREIGN": "badge-missing not in vault",
                    "LEGACY": "badge-legacy Legacy",
                    "NEW": "badge-add-new Add New",
                ])
            // Another team's connection is never named, not even in a tooltip.
            #expect(!svg.elements.contains { $0.text.contains("Theirs") })
        }
        // The other team, viewing an agent that names the first team's connection, sees no name either.
        try await AgentsPageTests.write(agent, as: "badges", in: root.forTeam("other"))
        let (_, other) = try await Users.add(name: "olga", team: "other", store: root.accounts)
        try await app.test(.router) { client in
            let (cookies, _) = try await WebSessionTests.signIn(client, token: other)
            let page = try await client.execute(uri: "/agents/badges", method: .get, headers: [.cookie: cookies])
            let svg = try #require(SVGElements.parse(page: String(buffer: page.body)))
            let nodes = svg.nodes()
            #expect(nodes["VAULT"]?.texts["badge-text"] == ["not in vault"])
            #expect(nodes["FOREIGN"]?.texts["badge-text"] == ["Theirs"])
            #expect(!svg.elements.contains { $0.text.contains("Mine") })
        }
    }

    @Test func hostileNamesStayTextInTheDrawing() async throws {
        let (app, root, transport) = try await Self.app()
        defer { Task { try? await transport.shutdown() } }
        let attack = "</svg><script>alert(1)</script>"
        let vault = root.forTeam(Vault.localTeam)
        let named = try await vault.add(
            kind: "custom-oauth2", name: "</text></svg><img src=x onerror=alert(2)>",
            input: ConnectionInput(text: [
                "clientID": "app", "clientSecret": "secret-0123456789",
                "authorizationURL": "https://api.example/authorize", "tokenURL": "https://api.example/token",
            ]))
        let agent = """
            {"name": "\(attack)", "components": [
              {"id": "X\\"onmouseover=\\"alert(3)", "name": "APICall", "title": "\(attack)",
               "data": {"url": "https://api.example/a", "oauth_con_id": "\(named.id)"},
               "inputs": [{"name": "<b onclick='alert(4)'>", "index": 0}], "outputs": [{"name": "]]><x>&amp;", "index": 0}]}]}
            """
        try await AgentsPageTests.write(agent, as: "hostile", in: vault)
        try await app.test(.router) { client in
            let html = String(buffer: try await client.execute(uri: "/agents/hostile", method: .get).body)
            #expect(!html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("<b onclick"))
            #expect(html.components(separatedBy: "</svg>").count == 2, "one svg, ended once")
            // Well-formed, and the names read back exactly as written (cut to fit).
            let svg = try #require(SVGElements.parse(page: html))
            #expect(svg.root["aria-label"] == "Graph of \(attack): 1 components, 0 connections")
            let node = try #require(svg.nodes()["X\"onmouseover=\"alert(3)"])
            #expect(node.title.hasPrefix("X\"onmouseover=\"alert(3) “\(attack)” — APICall"))
            #expect(node.texts["node-title"] == ["</svg><script>alert(1)</s…"])
            #expect(node.texts["badge-text"] == ["</text></svg><img src=x o…"])
            #expect(node.texts["port-in"] == ["<b onclick='a…"] && node.texts["port-out"] == ["]]><x>&amp;"])
            // Nothing in the drawing is a script, an event handler or an inline style (the policy forbids them).
            #expect(!svg.elements.contains { $0.name == "script" || $0.name == "foreignObject" })
            #expect(
                !svg.elements.contains { element in
                    element.attributes.keys.contains { $0 == "style" || $0.lowercased().hasPrefix("on") }
                })
        }
    }

    @Test func afterARunEachComponentIsColouredByItsOutcomeWithItsTime() async throws {
        let (app, root, transport) = try await Self.app()
        defer { Task { try? await transport.shutdown() } }
        try await AgentsPageTests.write(Self.flows, as: "flows", in: root)
        try await app.test(.router) { client in
            let csrf = try #require(
                VaultPageTests.csrf(from: try await client.execute(uri: "/agents/flows", method: .get)))
            let good = try await AgentsPageTests.post(
                client, "/agents/flows/run", csrf: csrf, "endpoint=go&input.data=hi")
            let html = String(buffer: good.body)
            #expect(html.contains("id=\"run-output\""))
            let svg = try #require(SVGElements.parse(page: html))
            #expect(svg.root["aria-label"]?.hasSuffix(", coloured by the run's outcome") == true)
            var states = svg.nodes().mapValues { $0.classes.dropFirst().joined(separator: " ") }
            #expect(
                states == [
                    "E": "outcome-ok", "H": "outcome-ok", "OUT": "outcome-ok", "SIDE": "outcome-skipped",
                    "E2": "outcome-not-reached", "DEC": "outcome-not-reached", "OUT2": "outcome-not-reached",
                ])
            let hash = try #require(svg.nodes()["H"]?.texts["node-outcome"]?.first)
            #expect(hash.wholeMatch(of: /ok · [0-9]+(\.[0-9])? ms/) != nil, "\(hash)")
            #expect(svg.nodes()["SIDE"]?.texts["node-outcome"] == ["skipped"])
            #expect(svg.nodes()["DEC"]?.texts["node-outcome"] == ["not reached"])
            #expect(svg.all("edge-taken").count == 2)

            // A failed run keeps its trace on the page, and the graph shows where it stopped.
            let bad = String(
                buffer: try await AgentsPageTests.post(
                    client, "/agents/flows/run", csrf: csrf, "endpoint=bad&input.data=zz"
                ).body)
            #expect(bad.contains("id=\"run-error\"") && bad.contains("id=\"trace\""))
            let failed = try #require(SVGElements.parse(page: bad))
            states = failed.nodes().mapValues { $0.classes.dropFirst().joined(separator: " ") }
            #expect(states["E2"] == "outcome-ok" && states["DEC"] == "outcome-failed")
            #expect(states["OUT2"] == "outcome-not-reached" && states["H"] == "outcome-not-reached")
            let decode = try #require(failed.nodes()["DEC"]?.texts["node-outcome"]?.first)
            #expect(decode.hasPrefix("failed · ") && decode.hasSuffix(" ms"))

            // The run's own page draws the same.
            let runPath = try #require(bad.firstMatch(of: /href="(\/runs\/[^"]+)"/)?.output.1)
            let runPage = try await Self.graph(client, String(runPath))
            #expect(runPage.nodes()["DEC"]?.classes.contains("outcome-failed") == true)
            #expect(runPage.nodes()["E2"]?.classes.contains("outcome-ok") == true)
        }
    }

    @Test func aHugeAgentSaysItsGraphIsOmittedInsteadOfDrawingIt() async throws {
        let (app, root, transport) = try await Self.app()
        defer { Task { try? await transport.shutdown() } }
        func notes(_ count: Int) -> String {
            #"{"components": ["# + (0..<count).map { #"{"id": "N\#($0)", "name": "Note"}"# }.joined(separator: ",")
                + "]}"
        }
        try await AgentsPageTests.write(notes(200), as: "largest", in: root)
        try await AgentsPageTests.write(notes(5000), as: "huge", in: root)
        try await app.test(.router) { client in
            #expect(try await Self.graph(client, "/agents/largest").nodes().count == 200)
            let page = try await client.execute(uri: "/agents/huge", method: .get)
            let html = String(buffer: page.body)
            #expect(page.status == .ok && !html.contains("<svg"))
            #expect(html.contains("Graph omitted: 5000 components (more than 200)."))
            #expect(html.utf8.count < 100_000)
        }
    }
}
