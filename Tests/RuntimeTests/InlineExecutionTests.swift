import Foundation
import Runtime
import Testing

/// Components that never wait run inline, one after another, without a task of their own;
/// components that can wait (here: any with a `timeout` setting) run in tasks. Either way a
/// run gives the same result and, where the order is fixed by the graph, the same trace.
struct InlineExecutionTests {
    static let inputs = JSONObject([
        ("a", .number(1)), ("b", .object(JSONObject([("a", .number(2)), ("z", .number(3))]))), ("z", .string("x")),
    ])

    /// APIEndpoint → C1 → C2 → … (JSONFilters keeping `a` and `b`); the ones in `timed` have a timeout.
    static func chain(_ count: Int, timed: Set<Int>) throws -> Agent {
        var components = [
            #"{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true},{"name":"query","index":2,"default":true}]}"#
        ]
        var links: [String] = []
        for index in 1...count {
            let timeout = timed.contains(index) ? #","timeout":"5""# : ""
            components.append(
                #"{"id":"C\#(index)","name":"JSONFilter","data":{"fields":"a,b"\#(timeout)},"inputs":[{"name":"Input","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#
            )
            let source =
                index > 1 ? #""sourceId":"C\#(index - 1)","sourceIndex":0"# : #""sourceId":"E","sourceIndex":1"#
            links.append(#"{\#(source),"targetId":"C\#(index)","targetIndex":0}"#)
        }
        let text =
            #"{"components":[\#(components.joined(separator: ","))],"connections":[\#(links.joined(separator: ","))]}"#
        return try AgentLoader.parse(Array(text.utf8), source: "chain.smyth")
    }

    /// APIEndpoint → F1, F2, F3 (JSONFilters) → one APIOutput joining them; `timed` as above.
    static func fanIn(timed: Set<Int>) throws -> Agent {
        var components = [
            #"{"id":"E","name":"APIEndpoint","data":{"endpoint":"go"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true},{"name":"query","index":2,"default":true}]}"#,
            #"{"id":"O","name":"APIOutput","data":{"format":"minimal"},"inputs":[{"name":"x","index":0},{"name":"y","index":1},{"name":"w","index":2}],"outputs":[{"name":"Output","index":0,"default":true}]}"#,
        ]
        var links: [String] = []
        for (index, fields) in ["a", "b", "a,b"].enumerated() {
            let timeout = timed.contains(index + 1) ? #","timeout":"5""# : ""
            components.append(
                #"{"id":"F\#(index + 1)","name":"JSONFilter","data":{"fields":"\#(fields)"\#(timeout)},"inputs":[{"name":"Input","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#
            )
            links.append(#"{"sourceId":"E","sourceIndex":1,"targetId":"F\#(index + 1)","targetIndex":0}"#)
            links.append(#"{"sourceId":"F\#(index + 1)","sourceIndex":0,"targetId":"O","targetIndex":\#(index)}"#)
        }
        let text =
            #"{"components":[\#(components.joined(separator: ","))],"connections":[\#(links.joined(separator: ","))]}"#
        return try AgentLoader.parse(Array(text.utf8), source: "fan-in.smyth")
    }

    static func run(_ agent: Agent) async throws -> RunResult {
        #expect(AgentValidator.validate(agent).isEmpty)
        return try await Executor(agent: try AgentPreparer.prepare(agent)).run(
            endpoint: nil, inputs: inputs, context: RunEnvironment())
    }

    @Test func aChainGivesTheSameResultAndTraceInlineAndInTasks() async throws {
        let inline = try await Self.run(Self.chain(5, timed: []))
        let expected: JSONValue = .object(
            JSONObject([
                ("id", .string("C5")), ("name", .string("JSONFilter")),
                (
                    "result",
                    .object(
                        JSONObject([
                            (
                                "Output",
                                .object(
                                    JSONObject([("a", .number(1)), ("b", .object(JSONObject([("a", .number(2))])))]))
                            )
                        ]))
                ),
            ]))
        #expect(inline.output == expected)
        #expect(inline.trace.map(\.componentID) == ["E", "C1", "C2", "C3", "C4", "C5"])
        for timed in [Set(1...5), [2, 4], [5]] {
            let mixed = try await Self.run(Self.chain(5, timed: timed))
            #expect(mixed.output == inline.output)
            #expect(mixed.trace.map(\.componentID) == inline.trace.map(\.componentID))
            #expect(mixed.trace.map(\.inputNames) == inline.trace.map(\.inputNames))
        }
    }

    @Test func aFanInGivesTheSameResultInlineAndInTasks() async throws {
        let inline = try await Self.run(Self.fanIn(timed: []))
        let expected: JSONValue = .object(
            JSONObject([
                ("x", .object(JSONObject([("a", .number(1))]))),
                ("y", .object(JSONObject([("b", .object(JSONObject()))]))),
                ("w", .object(JSONObject([("a", .number(1)), ("b", .object(JSONObject([("a", .number(2))])))]))),
            ]))
        #expect(inline.output == expected)
        // Inline, components ready at the same time run in the file's order.
        #expect(inline.trace.map(\.componentID) == ["E", "F1", "F2", "F3", "O"])
        for timed in [Set(1...3), [2]] {
            let mixed = try await Self.run(Self.fanIn(timed: timed))
            #expect(mixed.output == inline.output)
            #expect(Set(mixed.trace.map(\.componentID)) == Set(inline.trace.map(\.componentID)))
            #expect(mixed.trace.last?.componentID == "O")
        }
    }
}
