import Logging
import Vault

/// Logs each vault event at debug level (`--log-level debug`): the action, the connection, and
/// for a credential use its method, origin and status. Never the path (an agent may put a
/// key in it), the detail, or anything else a value could hide in. The run, agent, component
/// and actor come from the metadata provider, as on every line.
public struct VaultLogSink: VaultEventSink {
    let logger: Logger

    /// Logs to `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Logs the event.
    public func record(_ event: VaultEvent) async {
        guard logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = ["action": .string(event.action.rawValue), "team": .string(event.team)]
        if let connection = event.connection { metadata["connection"] = .string(connection) }
        if let method = event.method { metadata["method"] = .string(method) }
        if let origin = event.origin { metadata["origin"] = .string(origin) }
        if let status = event.status { metadata["status"] = .stringConvertible(status) }
        metadata["succeeded"] = .stringConvertible(event.succeeded)
        logger.debug("vault event", metadata: metadata)
    }

    /// Nothing is buffered.
    public func flush() async {}
}
