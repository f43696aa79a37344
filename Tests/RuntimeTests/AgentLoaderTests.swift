import Foundation
import Runtime
import TestSupport
import Testing

struct AgentLoaderTests {
    @Test(arguments: ["crypto-info-agent.smyth", "functions-components.smyth"])
    func theSmythOSFixturesLoad(file: String) throws {
        let agent = try AgentLoader.load(path: Repository.url("fixtures/smythos-agents/\(file)").path)
        #expect(!agent.components.isEmpty && !agent.links.isEmpty)
        #expect(Set(agent.components.map(\.id)).count == agent.components.count)
    }

    @Test func componentsKeepTheirTypeTitleConfigAndPorts() throws {
        let agent = try AgentLoader.load(path: Repository.url("fixtures/smythos-agents/crypto-info-agent.smyth").path)
        #expect(agent.name == "Crypto Info Agent")
        let call = try #require(agent.component("CS002"))
        #expect(call.type == "APICall" && call.title == "CoinGecko Search")
        #expect(call.data["url"]?.stringValue == "https://api.coingecko.com/api/v3/search?query={{search_query}}")
        #expect(call.outputs.map(\.name) == ["Response", "Headers", "Response.coins"])
        #expect(
            agent.links.first
                == Link(sourceID: "CS001", source: .index(3), targetID: "CS002", target: .index(0), position: 0))
        #expect(agent.document["ui"] != nil)  // layout fields are kept
    }

    @Test func studioPositionsAreReadAndGarbageIsNoPositionNorATrap() throws {
        let agent = try AgentLoader.load(
            path: Repository.url("fixtures/smythos-agents/functions-components.smyth").path)
        #expect(agent.component("CLYRF6U1AZXS")?.canvas == CanvasPosition(left: 245.975, top: 2566.27))
        #expect(agent.component("CLYQPRHIYEVD")?.canvas == CanvasPosition(left: -189.307, top: 757.813))
        let text = #"""
            {"components": [
              {"id": "A", "name": "Note", "left": 12, "top": "7.5"},
              {"id": "B", "name": "Note", "left": 1e308, "top": -1e308},
              {"id": "C", "name": "Note", "left": "1e308px", "top": "-9223372036854775809"},
              {"id": "D", "name": "Note", "left": "NaN", "top": "0px"},
              {"id": "E", "name": "Note", "left": "Infinity", "top": {"x": 1}},
              {"id": "F", "name": "Note", "left": "auto", "top": ""},
              {"id": "G", "name": "Note", "left": null},
              {"id": "H", "name": "Note"}]}
            """#
        let parsed = try AgentLoader.parse(Array(text.utf8), source: "positions.smyth")
        let limit = CanvasPosition.limit
        #expect(
            parsed.components.map(\.canvas) == [
                CanvasPosition(left: 12, top: 7.5), CanvasPosition(left: limit, top: -limit),
                CanvasPosition(left: limit, top: -limit), nil, nil, nil, nil, nil,
            ])
    }

    @Test func theDataWrapperAndPortNamesAreAccepted() throws {
        let text = #"""
            {"data": {"id": "a1", "components": [
                {"id": "E", "name": "APIEndpoint", "outputs": [{"name": "body.x", "index": 0}], "data": {"endpoint": "go"}},
                {"id": "O", "name": "APIOutput", "inputs": [{"name": "x", "index": 0}]}],
              "connections": [{"sourceId": "E", "sourceIndex": "body.x", "targetId": "O", "targetIndex": "x"}],
              "variables": {"region": "eu"}}, "ui": {"zoom": 2}}
            """#
        let agent = try AgentLoader.parse(Array(text.utf8), source: "inline.smyth")
        #expect(agent.isWrapped && agent.id == "a1")
        #expect(agent.links[0].source == .name("body.x") && agent.links[0].target == .name("x"))
        #expect(agent.variables["region"] == .string("eu"))
    }

    @Test func aTruncatedFileSaysWhere() {
        let text = String(#"{"components": [{"id": "A", "name": "Note"}, {"id": "B""#)
        let error = #expect(throws: AgentLoadError.self) {
            try AgentLoader.parse(Array(text.utf8), source: "cut.smyth")
        }
        #expect(
            error?.description
                == "cut.smyth: not valid JSON: line 1, column 56: unexpected end of file inside an object")
    }

    @Test func everyStructuralProblemIsReportedWithItsPath() {
        let text = #"""
            {"components": [
                {"id": "A", "name": "Note", "inputs": "none"},
                {"id": 7, "title": "No type"},
                "junk",
                {"id": "", "name": "FHash", "title": "Empty id", "data": []}],
             "connections": [{"sourceId": "A", "targetId": "B", "targetIndex": {}}],
             "variables": [1]}
            """#
        let error = #expect(throws: AgentLoadError.self) {
            try AgentLoader.parse(Array(text.utf8), source: "bad.smyth")
        }
        let lines = error?.description.split(separator: "\n").map(String.init) ?? []
        #expect(lines.contains("bad.smyth: components[0].inputs (A): expected an array, found a string"))
        #expect(lines.contains("bad.smyth: components[1].name (7 “No type”): missing"))
        #expect(lines.contains("bad.smyth: components[2]: expected a component object, found a string"))
        #expect(lines.contains("bad.smyth: components[3].id (“Empty id”): must not be empty"))
        #expect(lines.contains("bad.smyth: components[3].data (“Empty id”): expected an object, found an array"))
        #expect(lines.contains("bad.smyth: connections[0].sourceIndex: missing"))
        #expect(lines.contains("bad.smyth: connections[0].targetIndex: expected a port index or name, found an object"))
        #expect(lines.contains("bad.smyth: variables: expected an object, found an array"))
        #expect(lines.count == 8)
    }

    @Test(arguments: ["[]", "42", #"{"name": "x"}"#, #"{"components": {}}"#])
    func notAnAgentAtAll(text: String) {
        #expect(throws: AgentLoadError.self) { try AgentLoader.parse(Array(text.utf8), source: "x.smyth") }
    }

    @Test func tenThousandComponentsLoad() throws {
        var components: [String] = []
        var connections: [String] = []
        for index in 0..<10_000 {
            components.append(
                #"{"id": "C\#(index)", "name": "Note", "title": "n\#(index)", "inputs": [{"name": "in", "index": 0}], "outputs": [{"name": "out", "index": 0}], "data": {}}"#
            )
            if index > 0 {
                connections.append(
                    #"{"sourceId": "C\#(index - 1)", "sourceIndex": 0, "targetId": "C\#(index)", "targetIndex": 0}"#)
            }
        }
        let text =
            #"{"components": [\#(components.joined(separator: ","))], "connections": [\#(connections.joined(separator: ","))]}"#
        let agent = try AgentLoader.parse(Array(text.utf8), source: "big.smyth")
        #expect(agent.components.count == 10_000 && agent.links.count == 9_999)
    }
}
