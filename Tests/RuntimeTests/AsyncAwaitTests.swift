import Foundation
import Runtime
import Synchronization
import Testing

/// Async and Await with SRE's semantics: the branch behind an Async's outputs runs as a job
/// while the flow goes on with its id; Await waits for jobs within its max time and gives
/// each one's status and output. Jobs belong to their run.
@Suite struct AsyncAwaitTests {
    /// E → Async → (x) FSleep → Echo prompt; Async's JobID → Await → APIOutput.
    static func awaitedJob(sleep: String, maxTime: String = "30", jobsCount: String = "1") throws -> Agent {
        var graph = AgentGraph()
        graph.endpoint("E", "go", inputs: ["x"])
        graph.add("A", "Async", inputs: ["x"], outputs: ["JobID", "x"])
        graph.add("S", "FSleep", data: #"{"delay": "\#(sleep)"}"#, inputs: ["Input"], outputs: ["Output"])
        graph.add(
            "P", "PromptGenerator", data: #"{"model": "Echo", "prompt": "job saw {{Input}}"}"#, inputs: ["Input"],
            outputs: ["Reply"])
        graph.add(
            "W", "Await", data: #"{"jobs_count": "\#(jobsCount)", "max_time": "\#(maxTime)"}"#, inputs: ["Jobs"],
            outputs: ["Results"])
        graph.add("O", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["results"], outputs: ["Output"])
        graph.link("E", "body.x", to: "A", "x")
        graph.link("A", "x", to: "S", "Input")
        graph.link("S", "Output", to: "P", "Input")
        graph.link("A", "JobID", to: "W", "Jobs")
        graph.link("W", "Results", to: "O", "results")
        return try graph.agent()
    }

    static func run(_ agent: Agent, inputs: [(String, JSONValue)], limits: RunLimits = .defaults) async throws
        -> RunResult
    {
        var executor = Executor(agent: try AgentPreparer.prepare(agent))
        executor.limits = limits
        return try await executor.run(endpoint: nil, inputs: JSONObject(inputs), context: RunEnvironment())
    }

    static func onlyJob(_ output: JSONValue) throws -> (id: String, job: JSONValue) {
        let results = try #require(output["results"]?.objectValue)
        #expect(results.count == 1)
        let id = try #require(results.keys.first)
        return (id, try #require(results[id]))
    }

    @Test func awaitGivesTheJobsResultAndTheTraceShowsTheJob() async throws {
        let result = try await Self.run(try Self.awaitedJob(sleep: "0"), inputs: [("x", .string("hello"))])
        let (id, job) = try Self.onlyJob(result.output)
        #expect(id.hasPrefix("A-"))
        #expect(job["status"] == .string("done"))
        #expect(job["output"]?.result("Reply") == .string("job saw hello"))
        // The job's components are in the run's trace, marked as the job's; the main flow's are not.
        let scoped = result.trace.filter { $0.scope == "job \(id)" }.map(\.componentID)
        #expect(scoped.sorted() == ["P", "S"])
        #expect(result.trace.filter { $0.scope == nil }.map(\.componentID) == ["E", "A", "W", "O"])
    }

    /// Await stops waiting at max_time and reports the job pending; the run still ends only
    /// when the job has, so the job's steps ran and are traced.
    @Test func awaitStopsAtItsMaxTimeAndTheRunWaitsForTheJob() async throws {
        let result = try await Self.run(try Self.awaitedJob(sleep: "2", maxTime: "1"), inputs: [("x", .string("a"))])
        let (id, job) = try Self.onlyJob(result.output)
        #expect(job["status"] == .string("pending"))
        #expect(job["output"] == nil)
        #expect(result.trace.contains { $0.scope == "job \(id)" && $0.componentID == "P" && $0.succeeded })
    }

    /// Without Await, the run's result is SRE's: the Async has outgoing connections, so it
    /// is not a last component, and the job's steps are not part of the result.
    @Test func withoutAwaitTheResultIsTheMainFlows() async throws {
        var graph = AgentGraph()
        graph.endpoint("E", "go", inputs: ["prompt"])
        graph.add("A", "Async", inputs: ["prompt"], outputs: ["JobID", "prompt"])
        graph.add(
            "P", "PromptGenerator", data: #"{"model": "Echo", "prompt": "{{Input}}"}"#, inputs: ["Input"],
            outputs: ["Reply"])
        graph.link("E", "body.prompt", to: "A", "prompt")
        graph.link("A", "prompt", to: "P", "Input")
        let result = try await Self.run(try graph.agent(), inputs: [("prompt", .string("Hello"))])
        #expect(result.output == .array([]))
        #expect(result.trace.contains { $0.componentID == "P" && $0.scope?.hasPrefix("job A-") == true })
    }

    /// Job ids are the run's: an id from another run, or made up, is an unknown job, never
    /// another run's (another team's) result.
    @Test func aJobOfAnotherRunIsUnknown() async throws {
        let first = try await Self.run(try Self.awaitedJob(sleep: "0"), inputs: [("x", .string("secret of run 1"))])
        let (foreign, _) = try Self.onlyJob(first.output)
        var graph = AgentGraph()
        graph.endpoint("E", "go", inputs: ["jobs"])
        graph.add("W", "Await", data: #"{"max_time": "1"}"#, inputs: ["Jobs"], outputs: ["Results"])
        graph.add("O", "APIOutput", data: #"{"format": "minimal"}"#, inputs: ["results"], outputs: ["Output"])
        graph.link("E", "body.jobs", to: "W", "Jobs")
        graph.link("W", "Results", to: "O", "results")
        let second = try await Self.run(
            try graph.agent(), inputs: [("jobs", .array([.string(foreign), .string("made-up")]))])
        #expect(
            second.output["results"]
                == .object(
                    JSONObject([
                        (foreign, .object(JSONObject([("status", .string("unknown_job"))]))),
                        ("made-up", .object(JSONObject([("status", .string("unknown_job"))]))),
                    ])))
    }

    /// The run's wall time covers its jobs.
    @Test func theWallTimeLimitCoversJobs() async throws {
        var limits = RunLimits.defaults
        limits.wallTime = .seconds(1)
        do {
            _ = try await Self.run(
                try Self.awaitedJob(sleep: "30", maxTime: "1"), inputs: [("x", .string("a"))], limits: limits)
            Issue.record("the run ended within its wall time")
        } catch let error as RunError {
            guard case .limitExceeded(let limit, _, _) = error else { Issue.record("\(error)"); return }
            #expect(limit == .wallTime)
        }
    }

    /// When the main flow fails, the run is over: its jobs are cancelled, not waited for (a
    /// job sleeping an hour would otherwise hold the run until its wall time).
    @Test func aFailedMainFlowCancelsItsJobs() async throws {
        var graph = AgentGraph()
        graph.endpoint("E", "go", inputs: ["x"])
        graph.add("A", "Async", inputs: ["x"], outputs: ["JobID", "x"])
        graph.add("S", "FSleep", data: #"{"delay": "3600"}"#, inputs: ["Input"], outputs: ["Output"])
        graph.add("F", "AgentPlugin", data: #"{"agentId": "nowhere"}"#, inputs: ["Prompt"], outputs: ["Response"])
        graph.link("E", "body.x", to: "A", "x")
        graph.link("A", "x", to: "S", "Input")
        graph.link("A", "JobID", to: "F", "Prompt")
        var limits = RunLimits.defaults
        limits.wallTime = .seconds(600)
        limits.maxTotalSleep = .seconds(7200)
        do {
            _ = try await Self.run(try graph.agent(), inputs: [("x", .string("a"))], limits: limits)
            Issue.record("the run succeeded")
        } catch let error as RunError {
            guard case .componentFailed(let component, _, let message) = error else { Issue.record("\(error)"); return }
            #expect(component == "F")
            #expect(message.contains("no agents are available"))
        }
    }

    @Test func awaitSettingsOutOfRangeAreRefusedWhereTheyAre() throws {
        var graph = AgentGraph()
        graph.add(
            "W", "Await", data: #"{"jobs_count": "500", "max_time": "1"}"#, inputs: ["Jobs"], outputs: ["Results"])
        let issues = AgentValidator.validate(try graph.agent()).map(\.description)
        #expect(issues == [#"components[0].data (W): jobs_count must be a whole number from 1 to 100, got "500""#])
    }

    /// The flow's answer is heard as soon as the flow has it, while its job still runs; the
    /// run returns the same output once the job has ended.
    @Test func theAnswerComesBeforeTheJobEnds() async throws {
        let agent = try AgentGraph.answeringBeforeItsJob(sleeping: 2)
        let heard = Mutex<[Executor.Answer]>([])
        let result = try await Executor(agent: try AgentPreparer.prepare(agent)).run(
            endpoint: nil, inputs: JSONObject([("prompt", .string("x"))]), context: RunEnvironment(),
            answered: { answer in heard.withLock { $0.append(answer) } })
        let answers = heard.withLock { $0 }
        #expect(answers.count == 1)
        #expect(answers.first?.runningJobs == 1)
        #expect(answers.first?.output == result.output)
        #expect(result.trace.contains { $0.componentID == "S" && $0.scope != nil && $0.succeeded })
    }
}
