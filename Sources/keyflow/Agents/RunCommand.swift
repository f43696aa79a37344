import ArgumentParser
import Foundation
import Logging
import OAuthCore
import Runtime
import Server
import ServiceContextModule
import ServiceLifecycle
import Synchronization
import Vault

/// `keyflow run AGENT`: validates, resolves every OAuth section, runs, prints the result.
struct RunCommand: AsyncParsableCommand {
    @OptionGroup var storeOptions: StoreOptions
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run an agent and print its result as JSON.",
        discussion: "Exit codes: 0 success, 1 the agent failed (or a login is missing), 2 bad input.")
    @Argument(help: "The .smyth agent file.") var agent: String
    @Option(help: "The APIEndpoint to start from (its endpoint name); needed when there are several.") var endpoint:
        String?
    @Option(name: .customLong("input"), help: ArgumentHelp("An endpoint input (repeatable).", valueName: "key=value"))
    var inputs: [String] = []
    @Option(help: "A JSON object file with the endpoint inputs.") var inputJson: String?
    @Option(help: "Write every component's status and timing to this JSON file.") var trace: String?
    @Flag(help: "Fail instead of waiting for a login when a connection needs one.") var nonInteractive = false
    @Flag(help: "Rewrite the file to reference Add New connections by id (a backup is kept).") var save = false
    @Flag(help: "Do not print progress lines on standard error.") var quiet = false
    @Option(help: "The folder of the agents its AgentPlugins call (default: the agent file's folder).") var agents:
        String?
    @OptionGroup(title: "Limits of the run") var runLimits: RunLimitOptions
    @OptionGroup(title: "Logs") var logging: LoggingOptions

    func validate() throws {
        for input in inputs where !input.contains("=") {
            throw ValidationError("--input expects key=value, got \"\(input)\"")
        }
    }

    func run() async throws {
        try logging.bootstrap()
        let logger = Logger(label: "keyflow.run")
        // Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set: exported until the run has ended.
        let tracing = try KeyflowTracing.bootstrap(environment: ProcessInfo.processInfo.environment, logger: logger)
            .map { ServiceGroup(services: [$0], logger: logger) }
        let exporting = tracing.map { group in Task { try? await group.run() } }
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await runAgent(logger: logger)) } catch { outcome = .failure(error) }
        if let tracing, let exporting {
            await tracing.triggerGracefulShutdown()
            _ = await exporting.value
        }
        try outcome.get()
    }

    func runAgent(logger: Logger) async throws {
        let loaded: Agent
        do { loaded = try AgentLoader.load(path: agent) } catch { throw CLIError(error.description) }
        let issues = AgentValidator.validate(loaded, forRunFrom: endpoint)
        if !issues.isEmpty { throw CLIError(issues.map { "\(agent): \($0)" }.joined(separator: "\n")) }
        var runInputs = JSONObject()
        if let inputJson {
            guard let data = FileManager.default.contents(atPath: inputJson) else {
                throw CLIError("--input-json \(inputJson): the file cannot be read")
            }
            do {
                guard let object = try JSONParser.parse(Array(data)).objectValue else {
                    throw CLIError("--input-json \(inputJson): expected a JSON object")
                }
                runInputs = object
            } catch let error as JSONParser.Error { throw CLIError("--input-json \(inputJson): \(error)") }
        }
        for input in inputs {
            let parts = input.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            runInputs[String(parts[0])] = .string(parts.count > 1 ? String(parts[1]) : "")
        }

        let limits = runLimits.limits
        let transport = AsyncHTTPTransport(maxResponseBytes: 64 << 20)
        defer { Task { try? await transport.shutdown() } }
        let vault = AgentSession.needsVault(loaded) ? try await VaultSession.open(storeOptions) : nil
        var login: (@Sendable (Connection) async throws -> Void)?
        if let vault, !nonInteractive {
            login = { connection in try await InteractiveLogin.run(connection, vault: vault, transport: transport) }
        }
        let session: AgentSession
        do {
            session = try await AgentSession.make(
                agent: loaded, broker: vault.map { TokenBroker(vault: $0, transport: transport) },
                transport: transport, login: login, limits: limits,
                agents: AgentFolder(path: agents ?? URL(fileURLWithPath: agent).deletingLastPathComponent().path),
                name: AgentFolder.name(ofFile: agent))
        } catch let error as PreflightError {
            let lines = error.problems.map { "  - \($0)" }.joined(separator: "\n")
            throw CommandFailure("pre-flight: \(agent) cannot run yet, nothing was sent:\n" + lines)
        } catch let error as PrepareError {
            throw CLIError(error.description)
        }
        if save, !session.resolution.addedNew.isEmpty {
            if try AgentFileWriter.saveAddNew(path: agent, agent: loaded, added: session.resolution.addedNew) {
                FileHandle.standardError.write(Data("note: rewrote \(agent) (backup in \(agent).bak)\n".utf8))
            }
        }
        let prepared = session.prepared
        let environment = session.environment
        let progress = Progress(enabled: !quiet && isatty(2) == 1)
        let printer = ResultPrinter()
        let endpoint = self.endpoint
        // The run's attribution (the task below inherits it): the audit trail, logs and spans
        // name this agent file and run id, with the CLI user set by `Keyflow.main`.
        var context = ServiceContext.current ?? .topLevel
        let agentName = AgentFolder.name(ofFile: agent)
        let runID = RunSeal.newRunID()
        context.keyflowAgent = agentName
        context.keyflowRun = runID
        let runTask = Task { () -> Result<RunResult, RunError> in
            await ServiceContext.withValue(context) { () async -> Result<RunResult, RunError> in
                await RunSpans.observe(runID: runID, agent: agentName, logger: logger) {
                    () async -> Result<RunResult, RunError> in
                    do throws(RunError) {
                        var executor = Executor(agent: prepared)
                        executor.limits = limits
                        return .success(
                            try await executor.run(
                                endpoint: endpoint, inputs: runInputs, context: environment,
                                observer: { progress.report($0) },
                                answered: { answer in
                                    // The result goes out as soon as the flow has it, as SRE answers;
                                    // Async jobs still running end the run (and this process) later.
                                    printer.print(answer.output)
                                    progress.note(
                                        answer.runningJobs == 0
                                            ? nil
                                            : "the agent answered; \(answer.runningJobs) Async job(s) still running, "
                                                + "the run ends when they do (Ctrl-C cancels them)")
                                }))
                    } catch {
                        return .failure(error)
                    }
                }
            }
        }
        // Ctrl-C cancels the run: in-flight requests are cancelled, stored tokens stay as they are.
        let interrupt = Interrupt.onSIGINT { runTask.cancel() }
        defer { interrupt.cancel() }
        let result: RunResult
        let finished = await runTask.value
        // Credential uses are written in batches: the last ones go before the process exits.
        await vault?.events.flush()
        switch finished {
        case .success(let value):
            result = value
        case .failure(let error):
            if case .noEndpoint = error {
                // The Runtime does not know how a caller chooses; here it is a flag.
                let hint = endpoint == nil && prepared.endpoints.count > 1 ? "; choose one with --endpoint NAME" : ""
                throw CLIError(error.description + hint)
            }
            if case .cancelled = error {
                FileHandle.standardError.write(Data("cancelled: nothing more was sent\n".utf8))
                throw ExitCode(130)
            }
            throw CommandFailure(error.description)
        }
        if let trace { try TraceFile.write(result.trace, to: trace) }
        printer.print(result.output)
    }
}

/// Prints a run's result once: when the flow answers, or at the end.
final class ResultPrinter: Sendable {
    private let printed = Mutex(false)

    func print(_ output: JSONValue) {
        let first = printed.withLock { printed in
            defer { printed = true }
            return !printed
        }
        guard first else { return }
        FileHandle.standardOutput.write(Data((JSONWriter.string(output, pretty: true) + "\n").utf8))
    }
}

/// Turns SIGINT into a cancellation instead of an abrupt exit.
enum Interrupt {
    static func onSIGINT(_ handler: @escaping @Sendable () -> Void) -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}

/// One line per finished component on standard error, when it is a terminal.
struct Progress: Sendable {
    let enabled: Bool
    func report(_ entry: TraceEntry) {
        guard enabled else { return }
        let milliseconds = Int(
            entry.duration.components.seconds * 1000 + entry.duration.components.attoseconds / 1_000_000_000_000_000)
        let title = entry.title.isEmpty ? "" : " “\(entry.title)”"
        let line =
            "\(entry.succeeded ? "✓" : "✗") \(entry.componentID) \(entry.type)\(title) \(milliseconds) ms"
            + (entry.error.map { ": \($0)" } ?? "")
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A line of its own, when there is one to say.
    func note(_ text: String?) {
        guard enabled, let text else { return }
        FileHandle.standardError.write(Data(("… " + text + "\n").utf8))
    }
}

/// `--trace FILE`: each component's status and timing (never inputs' values or credentials).
enum TraceFile {
    static func write(_ trace: [TraceEntry], to path: String) throws {
        func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        let json = JSONValue.array(
            trace.map { entry in
                .object(
                    JSONObject([
                        ("component", .string(entry.componentID)), ("type", .string(entry.type)),
                        ("title", .string(entry.title)),
                        ("status", .string(entry.succeeded ? "succeeded" : "failed")),
                        ("started_ms", .number(milliseconds(entry.startedAt).rounded())),
                        ("duration_ms", .number((milliseconds(entry.duration) * 1000).rounded() / 1000)),
                        ("inputs", .array(entry.inputNames.map(JSONValue.string))),
                        ("error", entry.error.map(JSONValue.string) ?? .null),
                        ("http", entry.http ?? .null), ("llm", entry.llm ?? .null),
                        ("scope", entry.scope.map(JSONValue.string) ?? .null),
                    ]))
            })
        guard FileManager.default.createFile(atPath: path, contents: Data(JSONWriter.string(json, pretty: true).utf8))
        else {
            throw CLIError("--trace \(path): cannot write the file")
        }
    }
}
