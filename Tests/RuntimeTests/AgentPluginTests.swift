import Foundation
import OAuthCore
import Runtime
import Synchronization
import TestSupport
import Testing

/// AgentPlugin calls another agent by id or name, at its endpoint, with its inputs, inside
/// the same run; cycles and nesting past the depth limit are refused with the chain.
@Suite struct AgentPluginTests {
    /// Agents by name, and by their file's id.
    struct Directory: AgentDirectory {
        let agents: [String: Agent]
        func agent(_ reference: String) async throws -> (name: String, agent: Agent)? {
            if let agent = agents[reference] { return (reference, agent) }
            return agents.first { $0.value.id == reference }.map { ($0.key, $0.value) }
        }
    }

    /// An agent whose endpoint `ask` takes `question` and answers with the body it received (APIOutput, minimal).
    static func answering() throws -> Agent {
        var graph = AgentGraph()
        graph.id = "clp-answering"
        graph.endpoint("E", "ask", inputs: ["question"])
        graph.add("O", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["body"], outputs: ["Output"])
        graph.link("E", "body", to: "O", "body")
        return try graph.agent()
    }

    /// An agent whose AgentPlugin calls `reference` with its input `q` as the Prompt; its
    /// `_error` branch, when `catching`, gives the error as the result.
    static func calling(_ reference: String, catching: Bool = false) throws -> Agent {
        var graph = AgentGraph()
        graph.endpoint("E", "go", inputs: ["q"])
        graph.add(
            "P", "AgentPlugin", data: #"{"agentId": "\#(reference)", "name": "called"}"#, inputs: ["Prompt"],
            outputs: ["Response", "_error"])
        graph.add("O", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["response"], outputs: ["Output"])
        graph.link("E", "body.q", to: "P", "Prompt")
        graph.link("P", "Response", to: "O", "response")
        if catching {
            graph.add("X", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["error"], outputs: ["Output"])
            graph.link("P", "_error", to: "X", "error")
        }
        return try graph.agent()
    }

    static func run(_ agent: Agent, named name: String, in agents: [String: Agent], q: JSONValue) async throws
        -> RunResult
    {
        let session = try await AgentSession.make(
            agent: agent, broker: nil, transport: RecordingTransport(json: "{}"), login: nil,
            agents: Directory(agents: agents), name: name)
        return try await Executor(agent: session.prepared).run(
            endpoint: nil, inputs: JSONObject([("q", q)]), context: session.environment)
    }

    @Test func anAgentIsCalledByIdWithTheTextPromptOnItsOnlyInput() async throws {
        let result = try await Self.run(
            try Self.calling("clp-answering"), named: "root", in: ["answering": try Self.answering()],
            q: .string("what is up"))
        #expect(result.output["response"]?["body"] == .object(JSONObject([("question", .string("what is up"))])))
        #expect(result.trace.filter { $0.scope == "agent answering" }.map(\.componentID) == ["E", "O"])
    }

    @Test func anObjectPromptGivesTheEndpointsInputsByName() async throws {
        let result = try await Self.run(
            try Self.calling("answering"), named: "root", in: ["answering": try Self.answering()],
            q: .object(JSONObject([("question", .string("q1")), ("extra", .number(2))])))
        #expect(
            result.output["response"]?["body"]
                == .object(JSONObject([("extra", .number(2)), ("question", .string("q1"))])))
    }

    @Test func aCycleIsRefusedWithItsChain() async throws {
        let agents = ["a": try Self.calling("b"), "b": try Self.calling("a")]
        do {
            _ = try await Self.run(try Self.calling("a"), named: "root", in: agents, q: .string("x"))
            Issue.record("the cycle ran")
        } catch let error as RunError {
            #expect(error.description.contains("calling agent a would make a cycle: a → b → a"), "\(error)")
        }
    }

    @Test func nestingPastTheDepthLimitIsRefused() async throws {
        var agents: [String: Agent] = ["n\(AgentCalls.maxDepth + 2)": try Self.answering()]
        for depth in 1...(AgentCalls.maxDepth + 1) { agents["n\(depth)"] = try Self.calling("n\(depth + 1)") }
        do {
            _ = try await Self.run(try Self.calling("n1"), named: "root", in: agents, q: .string("x"))
            Issue.record("the chain ran")
        } catch let error as RunError {
            #expect(
                error.description.contains("would nest agents \(AgentCalls.maxDepth + 1) deep, over the limit of 8"),
                "\(error)")
        }
    }

    /// The called agent's failure is the AgentPlugin's: its `_error` branch gets it.
    @Test func aMissingAgentGoesToTheErrorBranch() async throws {
        let result = try await Self.run(
            try Self.calling("ghost", catching: true), named: "root", in: [:], q: .string("x"))
        #expect(result.output["error"]?["message"] == .string("agent ghost was not found (by id or by name)"))
    }

    @Test func aTextPromptForAnEndpointWithSeveralInputsSaysWhatToSend() async throws {
        var graph = AgentGraph()
        graph.endpoint("E", "two", inputs: ["a", "b"])
        graph.add("O", "APIOutput", inputs: ["a"], outputs: ["Output"])
        graph.link("E", "body.a", to: "O", "a")
        let result = try await Self.run(
            try Self.calling("two", catching: true), named: "root", in: ["two": try graph.agent()], q: .string("x"))
        let message = result.output["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("agent two's endpoint two takes the inputs a, b"), "\(message)")
    }

    /// Agents by name that count how often they are looked up.
    final class CountingDirectory: AgentDirectory {
        let agents: [String: Agent]
        let lookups = Mutex(0)
        init(_ agents: [String: Agent]) { self.agents = agents }
        func agent(_ reference: String) async throws -> (name: String, agent: Agent)? {
            lookups.withLock { $0 += 1 }
            return agents[reference].map { (reference, $0) }
        }
    }

    /// A loop that calls an agent per item looks it up (and checks and prepares it) once per run.
    @Test func anAgentCalledInALoopIsMadeReadyOncePerRun() async throws {
        var graph = AgentGraph()
        graph.endpoint("E", "go", inputs: ["q"])
        graph.add("L", "ForEach", data: #"{"format": "minimal"}"#, inputs: ["Input"], outputs: ["Loop", "Result"])
        graph.add("P", "AgentPlugin", data: #"{"agentId": "answering"}"#, inputs: ["Prompt"], outputs: ["Response"])
        graph.add("O", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["all"], outputs: ["Output"])
        graph.link("E", "body.q", to: "L", "Input")
        graph.link("L", "Loop", to: "P", "Prompt")
        graph.link("L", "Result", to: "O", "all")
        let directory = CountingDirectory(["answering": try Self.answering()])
        let session = try await AgentSession.make(
            agent: try graph.agent(), broker: nil, transport: RecordingTransport(json: "{}"), login: nil,
            agents: directory, name: "root")
        let result = try await Executor(agent: session.prepared).run(
            endpoint: nil, inputs: JSONObject([("q", .string("a,b,c"))]), context: session.environment)
        let answers = result.output["all"]?.arrayValue?.map { $0["Response"]?["body"]?["question"] }
        #expect(answers == [.string("a"), .string("b"), .string("c")], "\(result.output)")
        #expect(directory.lookups.withLock { $0 } == 1)
    }

    /// The component's other outputs are the fields of the called agent's APIOutput, by name.
    @Test func theComponentsOutputsAreTheCalledAgentsFields() async throws {
        var called = AgentGraph()
        called.endpoint("E", "ask", inputs: ["question"])
        called.add("O", "APIOutput", data: #"{"format": "full"}"#, inputs: ["answer", "asked"], outputs: ["Output"])
        called.link("E", "body.question", to: "O", "answer")
        called.link("E", "body.question", to: "O", "asked")
        var caller = AgentGraph()
        caller.endpoint("E", "go", inputs: ["q"])
        caller.add(
            "P", "AgentPlugin", data: #"{"agentId": "called"}"#, inputs: ["Prompt"], outputs: ["Response", "answer"])
        caller.add("O", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["got"], outputs: ["Output"])
        caller.link("E", "body.q", to: "P", "Prompt")
        caller.link("P", "answer", to: "O", "got")
        let result = try await Self.run(
            try caller.agent(), named: "root", in: ["called": try called.agent()], q: .string("42?"))
        #expect(result.output["got"] == .string("42?"), "\(result.output)")
    }
}
