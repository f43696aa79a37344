/// Async: starts a job that runs the branch behind its outputs other than `JobID`, with its
/// inputs, while the flow that reached it goes on with the job's id (SRE's Async). The
/// executor does the work (`Run.startJob`), because a job is a run of part of the graph.
struct AsyncStep: ComponentRunner {
    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        throw ComponentError(message: "Async runs only inside the executor")
    }

    /// The output that carries the job's id; the others feed the job.
    static let jobIDOutput = "JobID"
}

/// Await: waits for the jobs whose ids arrive on `Jobs` (one id or a list) until they have
/// all ended, `jobs_count` of them have, or `max_time` seconds have passed, then gives
/// `Results`: per id, the job's `status` (`pending`, `done`, `failed`, `unknown_job`) and
/// its `output` once done (SRE's Await). A job that failed also gives its `error`.
struct AwaitStep: ComponentRunner {
    let jobsCount: Int
    let maxTime: Duration
    var mayWait: Bool { true }
    /// `max_time` bounds the wait; the run's wall time bounds it too.
    var boundsItsOwnWaits: Bool { true }

    /// SRE's ranges: 1 to 100 jobs, 1 s to 6 h; absent or empty means 1.
    init(_ component: Component) throws {
        jobsCount = try Self.setting("jobs_count", of: component, in: 1...100)
        maxTime = .seconds(try Self.setting("max_time", of: component, in: 1...21_600))
    }

    private static func setting(_ key: String, of component: Component, in range: ClosedRange<Int>) throws -> Int {
        guard let value = component.data[key], Logic.isSet(value) else { return range.lowerBound }
        let text = Template.text(of: value)
        guard let number = JavaScriptNumbers.parseInt(text), number >= Double(range.lowerBound),
            number <= Double(range.upperBound)
        else {
            throw ComponentError(
                message:
                    "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return Int(number)
    }

    func run(_ inputs: [String: JSONValue], context: RunContext) async throws -> [String: JSONValue] {
        guard let jobs = context.jobs else { throw ComponentError(message: "Await runs only inside a run") }
        let ids: [String]
        switch inputs["Jobs"] {
        case nil, .null?: ids = []
        case .array(let values)?: ids = values.map(Template.text(of:))
        case let value?: ids = [Template.text(of: value)]
        }
        try await jobs.wait(for: ids, count: jobsCount, timeout: maxTime)
        var results = JSONObject()
        for id in ids where results[id] == nil {
            guard let job = jobs.job(id) else {
                results[id] = .object(JSONObject([("status", .string("unknown_job"))]))
                continue
            }
            var entry = JSONObject()
            if let output = job.output { entry["output"] = output }
            entry["status"] = .string(job.status.rawValue)
            if let error = job.error { entry["error"] = .string(error) }
            results[id] = .object(entry)
        }
        return ["Results": .object(results)]
    }
}
