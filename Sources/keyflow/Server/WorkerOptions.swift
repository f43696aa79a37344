import ArgumentParser
import Foundation
import OAuthCore
import Runtime
import Server

/// How a run worker works: flags shared by `keyflow worker` and `keyflow serve` (whose
/// in-process worker they set). Defaults in `RunWorkerConfiguration`.
struct WorkerOptions: ParsableArguments {
    @Option(help: "How many runs one team may have running at once, across every worker on every node.")
    var maxConcurrentRuns: Int = RunLimits.defaults.maxConcurrentRunsPerTeam
    @Option(
        help: ArgumentHelp(
            "How long, in seconds, a worker holds a run without renewing its lease.",
            discussion:
                "A run whose worker stopped is taken over this long after its last renewal; one that had already sent a request other than GET or HEAD is failed instead of repeated."
        ))
    var lease: Double = SafeNumbers.seconds(of: RunWorkerConfiguration().lease)
    @Option(help: "How many times a run may be claimed before a lost worker fails it.")
    var maxAttempts: Int = RunWorkerConfiguration().maxAttempts
    @Option(help: "How many days ended runs are kept (their inputs, output and trace).")
    var runRetentionDays: Double = SafeNumbers.seconds(of: RunWorkerConfiguration().retention) / 86_400

    func validate() throws {
        guard maxConcurrentRuns >= 1 else { throw ValidationError("--max-concurrent-runs must be 1 or more") }
        guard lease.isFinite, lease >= 1, lease <= 3_600 else {
            throw ValidationError("--lease must be a number of seconds from 1 to 3600")
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be 1 or more") }
        guard runRetentionDays.isFinite, runRetentionDays > 0, runRetentionDays <= 3_650 else {
            throw ValidationError("--run-retention-days must be a number of days above 0, at most 3650")
        }
    }

    /// The worker's configuration: these flags, `concurrency` and the run limits.
    func configuration(concurrency: Int, limits: RunLimits) -> RunWorkerConfiguration {
        var limits = limits
        limits.maxConcurrentRunsPerTeam = maxConcurrentRuns
        return RunWorkerConfiguration(
            concurrency: concurrency, lease: SafeNumbers.duration(seconds: lease), maxAttempts: maxAttempts,
            // Validated above: at most 3650 days, so the conversion cannot trap.
            retention: .seconds(runRetentionDays * 86_400),
            limits: limits)
    }
}

/// `--allow-network` and `KEYFLOW_ALLOW_NETWORK`: the internal networks agents' requests may reach.
struct NetworkOptions: ParsableArguments {
    // Outbound address policy (finding 15): agents and token requests of every team go out through it.
    @Option(
        name: .customLong("allow-network"),
        help:
            "A network (CIDR, e.g. 10.1.0.0/16 or 127.0.0.1/32) that requests made for agents and logins may reach although it is internal; repeatable. Also KEYFLOW_ALLOW_NETWORK (comma-separated). Loopback, private, link-local and other internal addresses are refused otherwise."
    )
    var allowNetwork: [String] = []
    // AsyncHTTPClient's default of 8 connections per host caps the runs that call one API at 8
    // requests at once, however many run (keyflow-bench serve: 1,000 runs, 8 at the provider).
    @Option(
        help: ArgumentHelp(
            "How many connections requests for agents and logins may have open to one host at once; more wait for one (default 8).",
            valueName: "n"))
    var connectionsPerHost: Int?

    func validate() throws {
        if let connectionsPerHost, connectionsPerHost < 1 {
            throw ValidationError("--connections-per-host must be 1 or more")
        }
    }

    /// The transport for agents and logins, refusing internal addresses except those allowed.
    func transport() throws -> AsyncHTTPTransport {
        let allowed: [CIDR]
        do {
            allowed = try AddressPolicy.networks(
                flags: allowNetwork, environment: ProcessInfo.processInfo.environment["KEYFLOW_ALLOW_NETWORK"])
        } catch {
            throw CLIError("--allow-network / KEYFLOW_ALLOW_NETWORK: \(error.description)")
        }
        return AsyncHTTPTransport(connectionsPerHost: connectionsPerHost, addressPolicy: .publicOnly(allowing: allowed))
    }
}
