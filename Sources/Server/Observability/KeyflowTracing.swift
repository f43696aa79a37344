import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Traces, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
/// is set: swift-otel's OTLP/HTTP exporter (`http/protobuf` by default, `http/json` with
/// `OTEL_EXPORTER_OTLP_PROTOCOL`), bootstrapped as the process's tracer. The other OTEL_*
/// variables of the specification apply (service name, sampler, batch delays, headers).
public enum KeyflowTracing {
    /// Why tracing cannot start as configured.
    public struct ConfigurationError: Error, CustomStringConvertible {
        /// What is wrong, naming the variable.
        public let description: String
    }

    /// Whether `environment` asks for traces.
    public static func isRequested(in environment: [String: String]) -> Bool {
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains {
            !(environment[$0] ?? "").isEmpty
        } && (environment["OTEL_SDK_DISABLED"] ?? "").lowercased() != "true"
    }

    /// Bootstraps the tracer when `environment` asks for it and returns the service that
    /// exports the spans (run it beside the server; its graceful shutdown flushes them); nil,
    /// and no tracer, otherwise. Call once per process.
    public static func bootstrap(environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard isRequested(in: environment) else { return nil }
        return try start(environment: environment, logger: logger)
    }

    /// The tracer's set-up, in a function of its own: when it was inlined, the optimiser
    /// instantiated swift-otel's generic types on entry, before the check above, which cost
    /// every `keyflow run` without tracing about 3 M instructions (the `cold` profile).
    @inline(never)
    private static func start(environment: [String: String], logger: Logger) throws -> any Service {
        // Only the OTLP/HTTP exporter is built in (the gRPC one doubles the build); swift-otel
        // would stop the process on `grpc`, so it is refused here with a sentence instead.
        for name in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]
        where environment[name]?.lowercased() == "grpc" {
            throw ConfigurationError(
                description: "\(name)=grpc: this build exports traces over OTLP/HTTP only (http/protobuf or http/json)")
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "keyflow"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        // swift-otel's diagnostics print the environment values they apply, and
        // OTEL_EXPORTER_OTLP_HEADERS often holds the collector's API key: those values are dropped.
        var diagnostics = Logger(label: "keyflow.otel") { label in
            RedactingLogHandler(base: LoggingSystemHandler.make(label))
        }
        diagnostics.logLevel = .warning
        configuration.diagnosticLogger = .custom(diagnostics)
        configuration.diagnosticLogLevel = .warning
        let service: any Service
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(backend.factory)
            service = backend.service
        } catch {
            throw ConfigurationError(description: "OTEL_* settings: \(error)")
        }
        logger.notice("traces exported over OTLP/HTTP")
        return service
    }
}

/// The process's bootstrapped handler for a label (a `Logger` made the ordinary way).
enum LoggingSystemHandler {
    static func make(_ label: String) -> any LogHandler { Logger(label: label).handler }
}

/// Drops the metadata in which swift-otel quotes environment values (one of them may be a
/// collector's credential) before the line reaches `base`.
struct RedactingLogHandler: LogHandler {
    static let dropped: Set<String> = ["environment_value", "previous_value", "new_value"]
    var base: any LogHandler

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue.filter { !Self.dropped.contains($0.key) } }
    }
    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { if !Self.dropped.contains(key) { base[metadataKey: key] = newValue } }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = event.metadata?.filter { !Self.dropped.contains($0.key) }
        base.log(event: event)
    }
}
