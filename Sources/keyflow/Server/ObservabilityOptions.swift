import ArgumentParser
import Foundation
import Logging
import Server

/// `--log-format` and `--log-level` (also `KEYFLOW_LOG_FORMAT`, `KEYFLOW_LOG_LEVEL`), shared by
/// `serve`, `worker` and `run`. Lines go to standard error.
struct LoggingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "How log lines are written: text or json (one object per line). Also KEYFLOW_LOG_FORMAT.",
            valueName: "text|json"))
    var logFormat: String?
    @Option(
        help: ArgumentHelp(
            "The lowest level logged: trace, debug, info, notice (default), warning, error or critical. Also KEYFLOW_LOG_LEVEL.",
            valueName: "level"))
    var logLevel: String?

    var format: KeyflowLogging.Format {
        get throws {
            let text = logFormat ?? ProcessInfo.processInfo.environment["KEYFLOW_LOG_FORMAT"] ?? "text"
            guard let format = KeyflowLogging.Format(rawValue: text.lowercased()) else {
                throw ValidationError("--log-format / KEYFLOW_LOG_FORMAT: expected text or json, got \"\(text)\"")
            }
            return format
        }
    }

    var level: Logger.Level {
        get throws {
            let text = logLevel ?? ProcessInfo.processInfo.environment["KEYFLOW_LOG_LEVEL"] ?? "notice"
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ValidationError(
                    "--log-level / KEYFLOW_LOG_LEVEL: expected trace, debug, info, notice, warning, error or critical, got \"\(text)\""
                )
            }
            return level
        }
    }

    func validate() throws {
        _ = try format
        _ = try level
    }

    /// Bootstraps swift-log with these settings (before anything logs).
    func bootstrap() throws {
        KeyflowLogging.bootstrap(format: try format, level: try level)
    }
}

/// `--metrics-address` and `--allow-remote-metrics`: where `keyflow serve` serves `/metrics`.
struct MetricsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where to serve Prometheus metrics (GET /metrics), apart from the public listener: HOST:PORT, or off. Default 127.0.0.1:9464; a loopback address only, unless --allow-remote-metrics.",
            valueName: "host:port|off"))
    var metricsAddress: String?
    @Flag(
        help:
            "Allow --metrics-address on an address other than loopback. The metrics span every team (connection ids, routes, run counts): expose them to your monitoring network only."
    )
    var allowRemoteMetrics = false

    /// The address, nil for `off`; `explicit` says whether it was asked for.
    func address() throws -> (address: MetricsAddress, explicit: Bool)? {
        guard let text = metricsAddress else { return (MetricsAddress.standard, false) }
        if text.lowercased() == "off" { return nil }
        guard let address = MetricsAddress(text) else {
            throw ValidationError("--metrics-address: expected HOST:PORT (or [IPv6]:PORT, or off), got \"\(text)\"")
        }
        guard address.isLoopback || allowRemoteMetrics else {
            throw ValidationError(
                "--metrics-address \(address): not a loopback address; the metrics span every team, so add --allow-remote-metrics to serve them there"
            )
        }
        return (address, true)
    }

    func validate() throws { _ = try address() }
}
