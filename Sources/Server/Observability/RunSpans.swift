import Logging
import Metrics
import Runtime
import ServiceContextModule
import Tracing
import Vault

/// What a run contributes to the traces, logs and metrics, for `RunWorker` and `keyflow run`.
public enum RunSpans {
    /// Runs `body` in the span `run AGENT` (the parent of its components' spans) with the run's
    /// id and agent, logging its start and end. Call it inside the run's `Attribution`, so
    /// that the log lines and the span carry the run. A failure's code (`failureCode(of:)`)
    /// is recorded, never its text.
    public static func observe<T, E: Error>(
        runID: String, agent: String, logger: Logger, _ body: () async -> Result<T, E>
    ) async -> Result<T, E> {
        let span = InstrumentationSystem.tracer.startAnySpan(
            "run " + agent, context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        defer { span.end() }
        span.attributes["keyflow.run.id"] = runID
        span.attributes["keyflow.agent"] = agent
        let began = ContinuousClock.now
        return await ServiceContext.withValue(span.context) {
            logger.debug("run started")
            let result = await body()
            switch result {
            case .success:
                span.attributes["keyflow.run.status"] = "succeeded"
                logger.info("run succeeded", metadata: ["duration_ms": "\(milliseconds(since: began))"])
            case .failure(let error):
                let code = failureCode(of: error)
                span.attributes["keyflow.run.status"] = code == "cancelled" ? "cancelled" : "failed"
                span.attributes["keyflow.run.failure"] = code
                span.setStatus(SpanStatus(code: .error))
                logger.info(
                    "run failed", metadata: ["failure": .string(code), "duration_ms": "\(milliseconds(since: began))"])
            }
            return result
        }
    }

    /// `observe` for a body that throws.
    public static func around<T>(runID: String, agent: String, logger: Logger, _ body: () async throws -> T)
        async throws -> T
    {
        try await observe(runID: runID, agent: agent, logger: logger) { () async -> Result<T, any Error> in
            do { return .success(try await body()) } catch { return .failure(error) }
        }.get()
    }

    /// The code a failed run is stored with (`timeout`, `run_limit`, `cancelled`, `preflight`…).
    public static func failureCode(of error: any Error) -> String {
        switch error {
        case let failure as RunFailure: return failure.code
        case let error as RunError: return RunFailure(error).code
        default: return "run_failed"
        }
    }

    /// Records the run's duration in `keyflow_run_duration_seconds{status}`.
    public static func recordDuration(_ duration: Duration, status: RunStatus) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        Timer(label: KeyflowMetrics.runDuration, dimensions: [("status", status.rawValue)]).recordNanoseconds(
            nanoseconds.overflow ? Int64.max : nanoseconds.partialValue &+ attoseconds / 1_000_000_000)
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
