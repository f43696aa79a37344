import Foundation
import Runtime
import Testing

/// The engine numbers components and gives each input name a slot: the edge cases of that
/// bookkeeping (file order, merges into one input, ports sharing a name, an output read once
/// for several connections, a ForEach's state reused item after item).
struct IndexedEngineTests {
    static let endpoint =
        #"{"id": "E", "name": "APIEndpoint", "data": {"endpoint": "go"}, "outputs": [{"name": "body", "index": 0, "default": true}, {"name": "body.items", "index": 1}, {"name": "body.missing", "index": 2}]}"#

    static func filter(_ id: String, fields: String) -> String {
        #"{"id": "\#(id)", "name": "JSONFilter", "data": {"fields": "\#(fields)"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Output", "index": 0, "default": true}]}"#
    }

    static func link(_ source: String, _ output: Int, _ target: String, _ input: Int) -> String {
        #"{"sourceId": "\#(source)", "sourceIndex": \#(output), "targetId": "\#(target)", "targetIndex": \#(input)}"#
    }

    static func agent(_ components: [String], _ links: [String]) throws -> Agent {
        let text =
            #"{"components": [\#(([endpoint] + components).joined(separator: ","))], "connections": [\#(links.joined(separator: ","))]}"#
        let agent = try AgentLoader.parse(Array(text.utf8), source: "indexed.smyth")
        #expect(AgentValidator.validate(agent).isEmpty)
        return agent
    }

    static let body = JSONObject([("a", .number(1)), ("b", .string("two")), ("items", .array([]))])

    static func run(_ agent: Agent, _ inputs: JSONObject = body) async throws -> RunResult {
        try await Executor(agent: try AgentPreparer.prepare(agent)).run(
            endpoint: nil, inputs: inputs, context: RunEnvironment())
    }

    /// Components ready together run in the file's order, whatever their ids.
    @Test func aWaveRunsInFileOrderNotIdOrder() async throws {
        let agent = try Self.agent(
            [Self.filter("Z", fields: "a"), Self.filter("A", fields: "b"), Self.filter("M", fields: "a,b")],
            [Self.link("E", 0, "M", 0), Self.link("E", 0, "A", 0), Self.link("E", 0, "Z", 0)])
        let result = try await Self.run(agent)
        #expect(result.trace.map(\.componentID) == ["E", "Z", "A", "M"])
        // No APIOutput: the leaves, in the order they ran.
        #expect(result.output.arrayValue?.map { $0["id"] } == [.string("Z"), .string("A"), .string("M")])
    }

    /// Several connections into one input make an array in the order of the connections in
    /// the file (one component's outputs are delivered together); the first arrival makes a
    /// component ready, so a later component's value is not waited for.
    @Test func connectionsIntoOneInputMergeInFileOrder() async throws {
        let output =
            #"{"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "x", "index": 0}]}"#
        let merged = try await Self.run(
            try Self.agent([output], [Self.link("E", 1, "O", 0), Self.link("E", 0, "O", 0)]))
        // The first connection's value is an array, so the second's extends it (SmythOS's
        // `_mergeInputs`); the other order would have made `[body, []]`.
        #expect(merged.output["x"] == .array([.object(Self.body)]))

        let agent = try Self.agent(
            [Self.filter("F1", fields: "a"), Self.filter("F2", fields: "b"), output],
            [
                Self.link("F2", 0, "O", 0), Self.link("F1", 0, "O", 0), Self.link("E", 0, "F1", 0),
                Self.link("E", 0, "F2", 0),
            ])
        let first = try await Self.run(agent)
        #expect(first.output["x"] == .object(JSONObject([("a", .number(1))])))
        #expect(first.trace.map(\.componentID) == ["E", "F1", "F2", "O"])
    }

    /// One output feeding several components is read once and reaches each; an output with
    /// no value sends nothing, so what hangs only on it does not run.
    @Test func anOutputFeedsEveryConnectionAndAMissingOneNone() async throws {
        let agent = try Self.agent(
            [Self.filter("F1", fields: "a"), Self.filter("F2", fields: "a"), Self.filter("N", fields: "a")],
            [Self.link("E", 0, "F1", 0), Self.link("E", 2, "N", 0), Self.link("E", 0, "F2", 0)])
        let result = try await Self.run(agent)
        #expect(result.trace.map(\.componentID) == ["E", "F1", "F2"])
    }

    /// Two input ports of one name share one value: when the first has a default, the second
    /// is not waited for even though a connection (which sends nothing) feeds it.
    @Test func aPortTakesTheDefaultOfAnEarlierPortOfItsName() async throws {
        let output =
            #"{"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "x", "index": 0, "defaultVal": "dx"}, {"name": "x", "index": 1}, {"name": "y", "index": 2}]}"#
        let agent = try Self.agent([output], [Self.link("E", 2, "O", 1), Self.link("E", 0, "O", 2)])
        let result = try await Self.run(agent)
        #expect(result.output["x"] == .string("dx"))
        #expect(result.output["y"]?["a"] == .number(1))

        // Without the default, the connected input is waited for and O never runs.
        let waiting =
            #"{"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "x", "index": 0}, {"name": "x", "index": 1}, {"name": "y", "index": 2}]}"#
        let stalled = try await Self.run(
            try Self.agent([waiting], [Self.link("E", 2, "O", 1), Self.link("E", 0, "O", 2)]))
        #expect(stalled.trace.map(\.componentID) == ["E"])
    }

    /// A ForEach reuses one state for its items: each item's branch sees only that item's
    /// values (a component waiting for two inputs gets both, per item, and runs every time).
    @Test func aForEachItemSeesOnlyItsOwnValues() async throws {
        let forEach =
            #"{"id": "L", "name": "ForEach", "data": {"format": "full"}, "inputs": [{"name": "Input", "index": 0}], "outputs": [{"name": "Loop", "index": 0}, {"name": "Result", "index": 1}]}"#
        let hash: (String, String) -> String = { id, algorithm in
            #"{"id": "\#(id)", "name": "FHash", "data": {"algorithm": "\#(algorithm)", "encoding": "hex"}, "inputs": [{"name": "Data", "index": 0}], "outputs": [{"name": "Hash", "index": 0, "default": true}]}"#
        }
        let join =
            #"{"id": "J", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "x", "index": 0}, {"name": "y", "index": 1}]}"#
        let output =
            #"{"id": "O", "name": "APIOutput", "data": {"format": "minimal"}, "inputs": [{"name": "all", "index": 0}]}"#
        let agent = try Self.agent(
            [forEach, hash("H1", "md5"), hash("H2", "sha256"), join, output],
            [
                Self.link("E", 1, "L", 0), Self.link("L", 0, "H1", 0), Self.link("L", 0, "H2", 0),
                Self.link("H1", 0, "J", 0), Self.link("H2", 0, "J", 1), Self.link("L", 1, "O", 0),
            ])
        let items = JSONValue.array([.string("a"), .string("b"), .string("a")])
        let result = try await Self.run(agent, JSONObject([("items", items)]))
        let entries = try #require(result.output["all"]?.arrayValue)
        #expect(entries.count == 3)
        for entry in entries { #expect(entry["x"] != nil && entry["y"] != nil) }
        #expect(entries[0] == entries[2])
        #expect(entries[0] != entries[1])
        #expect(entries[0]["x"] == .string("0cc175b9c0f1b6a831c399e269772661"))
    }

    /// A chain longer than the default component limit runs when the limit allows it (the
    /// state is arrays sized by the agent, not by the limit).
    @Test func aChainRunsToItsEndWithinARaisedLimit() async throws {
        let count = 300
        var components: [String] = []
        var links = [Self.link("E", 0, "C1", 0)]
        for index in 1...count {
            components.append(Self.filter("C\(index)", fields: "a"))
            if index > 1 { links.append(Self.link("C\(index - 1)", 0, "C\(index)", 0)) }
        }
        var executor = Executor(agent: try AgentPreparer.prepare(try Self.agent(components, links)))
        executor.limits.maxComponentsExecuted = count + 1
        let result = try await executor.run(endpoint: nil, inputs: Self.body, context: RunEnvironment())
        #expect(result.trace.count == count + 1)
        #expect(result.output["id"] == .string("C\(count)"))
        #expect(result.output.result("Output") == .object(JSONObject([("a", .number(1))])))
        executor.limits.maxComponentsExecuted = count
        await #expect(throws: RunError.self) {
            try await executor.run(endpoint: nil, inputs: Self.body, context: RunEnvironment())
        }
    }
}
