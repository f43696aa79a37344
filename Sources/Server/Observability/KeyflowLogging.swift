import Logging
import OTel
import ServiceContextModule
import Synchronization
import Vault

/// How `keyflow serve`, `worker` and `run` log: swift-log, bootstrapped once per process with
/// the text or the JSON handler (`--log-format`), at `--log-level`, to standard error, with a
/// metadata provider that adds who and what the line is about from the task's `ServiceContext`.
public enum KeyflowLogging {
    /// The two line formats.
    public enum Format: String, Sendable, CaseIterable {
        /// swift-log's `StreamLogHandler`: `TIME LEVEL label: key=value message`.
        case text
        /// `JSONLogHandler`: one JSON object per line.
        case json
    }

    private static let configured = Mutex<Logger.Level?>(nil)

    /// The level chosen at bootstrap (`notice` before, and when nothing was chosen): what the
    /// server's own loggers use instead of a fixed level.
    public static var level: Logger.Level { configured.withLock { $0 } ?? .notice }

    /// Bootstraps swift-log (once; later calls do nothing): `format` at `level` on standard
    /// error, with `metadataProvider`.
    public static func bootstrap(format: Format, level: Logger.Level) {
        let first = configured.withLock { configured -> Bool in
            defer { configured = configured ?? level }
            return configured == nil
        }
        guard first else { return }
        let provider = metadataProvider
        switch format {
        case .text:
            LoggingSystem.bootstrap(
                { label, provider in
                    var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    handler.logLevel = level
                    return handler
                }, metadataProvider: provider)
        case .json:
            LoggingSystem.bootstrap(
                { label, provider in JSONLogHandler(label: label, level: level, metadataProvider: provider) },
                metadataProvider: provider)
        }
    }

    /// The metadata every line gets from the task it is logged in: `run_id`, `agent`,
    /// `component` and `actor` when a run, a component or an authenticated request set them
    /// (`Attribution`), and `trace_id`/`span_id` when a span is current (tracing on).
    public static let metadataProvider: Logger.MetadataProvider =
        Logger.MetadataProvider.multiplex([attribution, OTel.makeLoggingMetadataProvider()]) ?? attribution

    /// The `Attribution` part of `metadataProvider`: only what the context really holds (not the
    /// process's default actor).
    public static let attribution = Logger.MetadataProvider {
        guard let context = ServiceContext.current else { return [:] }
        var metadata: Logger.Metadata = [:]
        if let run = context.keyflowRun { metadata["run_id"] = .string(run) }
        if let agent = context.keyflowAgent { metadata["agent"] = .string(agent) }
        if let component = context.keyflowComponent { metadata["component"] = .string(component) }
        if let actor = context.keyflowActor { metadata["actor"] = .string(actor) }
        return metadata
    }
}
