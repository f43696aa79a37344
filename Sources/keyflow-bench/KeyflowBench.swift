import ArgumentParser
import Foundation

/// `keyflow-bench [SUITE...] [--json FILE] [--smoke]`: measures Keyflow side by side with
/// the peers users would otherwise pick and with the physical limit, in one run.
@main
struct KeyflowBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyflow-bench",
        abstract: "Benchmarks of signing, authorizing, the engine and whole runs, with peers and limits side by side.",
        discussion: """
            Suites: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")) (all when none is given).
            Build and run with: swift run -c release keyflow-bench [SUITE...]
            Every figure is the median of several runs after a warm-up; each ratio compares figures taken in this run.
            """)

    @Argument(help: "The suites to run.") var suites: [Suite] = []
    @Option(help: "Also write the results as JSON to this file.") var json: String?
    @Flag(help: "Tiny sizes and few iterations: checks that every suite runs (CI), not how fast.") var smoke = false
    /// Internal: run one engine size in this process and print its figures (the parent reads
    /// the peak memory of a process per size).
    @Option(help: .hidden) var engineChild: String?
    /// Internal: serve the local provider in this process (`ProviderProcess`) until stdin closes.
    @Flag(help: .hidden) var providerChild = false

    func run() async throws {
        if providerChild {
            try await ProviderProcess.child()
            return
        }
        if let engineChild {
            try await EngineSuite.child(engineChild)
            return
        }
        #if DEBUG
            // CI's smoke run uses the debug build on purpose; anyone quoting figures must not.
            FileHandle.standardError.write(
                Data(
                    "keyflow-bench: this is a debug build; its figures say nothing about speed (use swift run -c release keyflow-bench)\n"
                        .utf8))
        #endif
        let scale = Scale(smoke: smoke)
        var rows: [ResultRow] = []
        let chosen = suites.isEmpty ? Suite.allCases : suites
        for suite in chosen {
            FileHandle.standardError.write(Data("keyflow-bench: \(suite.rawValue)…\n".utf8))
            let started = Measure.now()
            do {
                rows += try await suite.run(scale)
            } catch {
                rows.append(ResultRow(suite: suite.rawValue, name: "failed", value: .nan, unit: "", note: "\(error)"))
            }
            FileHandle.standardError.write(
                Data(String(format: "keyflow-bench: %@ done in %.1f s\n", suite.rawValue, Measure.now() - started).utf8)
            )
        }
        print(Report.table(rows))
        if let json {
            try Report.json(rows, environment: Machine.describe()).write(to: URL(fileURLWithPath: json))
        }
        if rows.contains(where: { $0.name == "failed" }) { throw ExitCode(1) }
    }
}

/// The suites of the issue, each in its own file.
enum Suite: String, CaseIterable, ExpressibleByArgument, Sendable {
    case sign, authorize, engine, e2e
    case refreshStorm = "refresh-storm"
    case cold
    case serve
    case scale

    func run(_ scale: Scale) async throws -> [ResultRow] {
        switch self {
        case .sign: return try await SignSuite.run(scale)
        case .authorize: return try await AuthorizeSuite.run(scale)
        case .engine: return try await EngineSuite.run(scale)
        case .e2e: return try await E2ESuite.run(scale)
        case .refreshStorm: return try await RefreshStormSuite.run(scale)
        case .cold: return try await ColdSuite.run(scale)
        case .serve: return try await ServeSuite.run(scale)
        case .scale: return try await ScaleSuite.run(scale)
        }
    }
}

/// How much work each suite does: full for BENCHMARKS.md, tiny with `--smoke`.
struct Scale: Sendable {
    let smoke: Bool
    /// Timed runs per figure (after one warm-up).
    var runs: Int { smoke ? 2 : 7 }
    /// Scales an iteration count down for smoke runs.
    func iterations(_ full: Int) -> Int { smoke ? max(1, full / 500) : full }
}
