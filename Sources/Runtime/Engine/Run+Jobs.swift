/// Async jobs: a job runs the branch behind an Async's outputs other than `JobID`, as a child
/// of the run's task, while the flow that started it goes on.
extension Run {
    /// The run's main flow, and every job it starts, as children of one task group: the run
    /// ends when the main flow has ended and so has every job. When the main flow fails, the
    /// jobs still running are cancelled: the run is over.
    func mainFlowAndJobs(
        from initial: [(Int, [String: JSONValue])], answered: (@Sendable (Executor.Answer) -> Void)?
    ) async -> Executor.WallClockRace {
        let agent = self.agent
        let jobs = self.jobs
        let redactor = self.redactor
        /// The agent's flow, told to `answered` when it has the result.
        @Sendable func mainFlow() async -> Executor.WallClockRace {
            var state = RunState(agent: agent, excludingBackground: true)
            let outcome = await drive(&state, launching: initial, endsAtAPIOutput: true)
            var failed = false
            if case .failed = outcome.ending { failed = true }
            var lastOutputs: JSONValue?
            if case .quiet = outcome.ending, !Task.isCancelled { lastOutputs = state.lastOutputs() }
            if let answered, !failed, let output = outcome.ending.output ?? lastOutputs {
                answered(Executor.Answer(output: redactor.redact(output), runningJobs: jobs.running))
            }
            jobs.mainEnded(failed: failed)
            return .finished(outcome, lastOutputs: lastOutputs)
        }
        // Most agents start no job: their flow runs alone, without the job board's task group.
        guard agent.mayStartJobs else { return await mainFlow() }
        let main: Executor.WallClockRace? = await withTaskGroup(of: Executor.WallClockRace?.self) { tasks in
            tasks.addTask { await mainFlow() }
            // Ends when the main flow and every job have ended, the main flow failed, or the
            // run was cancelled.
            for await launch in jobs.launches {
                tasks.addTask {
                    await launch.work()
                    return nil
                }
            }
            var main: Executor.WallClockRace?
            while let next = await tasks.next() {
                guard let next else { continue }
                main = next
                if case .finished(let outcome, _) = next, case .failed = outcome.ending { tasks.cancelAll() }
            }
            return main
        }
        // Only a cancelled run gets here without the main flow's ending.
        return main ?? .timerCancelled
    }

    /// Starts the job of the Async `component` with its `inputs`; returns the job's id.
    func startJob(_ number: Int, _ component: Component, inputs: [String: JSONValue]) -> String {
        let id = "\(component.id)-\(Self.jobSuffix())"
        let job = Run(
            executor: executor, environment: environment, observer: observer, clock: clock, started: started,
            budget: budget, redactor: redactor, jobs: jobs, scope: "job \(id)", callers: callers)
        let body = agent.jobBodies[number] ?? []
        let jobs = self.jobs
        let redactor = self.redactor
        jobs.start(id: id) {
            var state = RunState(agent: job.agent, restrictedTo: body)
            // The job starts at the Async: its id, and its inputs on the outputs of the same names.
            var outputs = inputs
            outputs[AsyncStep.jobIDOutput] = .string(id)
            state.deliver(outputs, from: number)
            let outcome = await job.drive(&state, launching: [], endsAtAPIOutput: true)
            jobs.appendTrace(outcome.trace)
            switch outcome.ending {
            case .output(let value):
                jobs.finish(id: id, status: .done, output: redactor.redact(value), error: nil)
            case .quiet where !Task.isCancelled:
                jobs.finish(id: id, status: .done, output: redactor.redact(state.lastOutputs()), error: nil)
            case .quiet:
                jobs.finish(id: id, status: .failed, output: nil, error: RunError.cancelled.description)
            case .failed(let error):
                jobs.finish(id: id, status: .failed, output: nil, error: redactor.redact(error).description)
            }
        }
        return id
    }

    /// Twelve random hex digits: job ids are unique within a run and say nothing else.
    private static func jobSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}
