import Foundation
import Runtime

/// `engine`: synthetic agents of cheap components (JSONFilter), as chains and as fan-outs:
/// load + validate + prepare + execute time per component, and peak memory. Each size runs in
/// a child process of its own, so that its peak RSS (VmHWM) is its own.
enum EngineSuite {
    enum Shape: String { case chain, fanout }

    /// The size whose growth the target bounds: time per component from here to the largest.
    static let growthFrom = 1_000
    /// From this size on, fewer timed runs (each already lasts a second or more).
    static let largeSize = 100_000
    /// Timed runs of the largest sizes.
    static let largeRuns = 3

    static func run(_ scale: Scale) async throws -> [ResultRow] {
        let sizes = scale.smoke ? [10, 100] : [10, 100, 1_000, 10_000, 100_000]
        // A process that loads, validates, prepares and runs a one-component agent: its peak
        // RSS is the runtime's own (libraries, Foundation, first-use tables), which a size's
        // peak minus this leaves out.
        let baseline = try childFigures(["--engine-child", "1:chain:0"])
        guard let baselineHWM = baseline["hwm_kb"] else {
            throw Shell.Failure(description: "the engine baseline child printed no peak memory")
        }
        var rows: [ResultRow] = []
        for shape in [Shape.chain, .fanout] {
            var figures: [(n: Int, perComponent: Double, bytesPerComponent: Double)] = []
            for n in sizes {
                let runs = n >= largeSize ? min(scale.runs, largeRuns) : scale.runs
                let object = try childFigures(["--engine-child", "\(n):\(shape.rawValue):\(runs)"])
                guard let total = object["total_s"], let hwm = object["hwm_kb"] else {
                    throw Shell.Failure(description: "the engine child printed no figures: \(object)")
                }
                let perComponent = total / Double(n)
                let bytesPerComponent = max(0, hwm - baselineHWM) * 1024 / Double(n)
                figures.append((n, perComponent, bytesPerComponent))
                var parts = ["load", "validate", "prepare", "execute"].compactMap { key in
                    object["\(key)_s"].map { "\(key) \(Report.format($0 / Double(n) * 1e9)) ns" }
                }
                parts[parts.count - 1] += " per component"
                parts.append("median of \(runs) timed runs" + (runs < scale.runs ? " (fewer at this size)" : ""))
                rows.append(
                    ResultRow(
                        suite: "engine", name: "\(shape.rawValue) of \(n)", value: perComponent * 1e6,
                        unit: "µs/component",
                        comparison:
                            "peak RSS \(Report.format(hwm / 1024)) MB (+\(Report.format((hwm - baselineHWM) / 1024)) MB over a 1-component run)",
                        ratio: perComponent / 10e-6, target: "≤ 10 µs/component", met: perComponent <= 10e-6,
                        note: parts.joined(separator: ", ")))
            }
            // Linear growth: time per component at the largest size over that at 1,000 (in a
            // smoke run, the smallest).
            if let last = figures.last,
                let first = figures.first(where: { $0.n == growthFrom && $0.n < last.n }) ?? figures.first,
                first.n < last.n
            {
                let timeGrowth = last.perComponent / first.perComponent
                rows.append(
                    ResultRow(
                        suite: "engine", name: "\(shape.rawValue) growth \(first.n)→\(last.n)", value: timeGrowth,
                        unit: "× time/component",
                        comparison:
                            "\(Report.format(first.perComponent * 1e6)) → \(Report.format(last.perComponent * 1e6)) µs/component",
                        ratio: timeGrowth, target: "≤ 1.3×", met: timeGrowth <= 1.3))
            }
            // Peak memory per component: the size's peak RSS (VmHWM) minus the 1-component
            // run's, over the components. Small sizes are within the noise of page granularity.
            for figure in figures where figure.n >= growthFrom || (scale.smoke && figure.n == figures.last?.n) {
                rows.append(
                    ResultRow(
                        suite: "engine", name: "\(shape.rawValue) memory at \(figure.n)",
                        value: figure.bytesPerComponent,
                        unit: "bytes/component",
                        note:
                            "(peak RSS − peak RSS of a 1-component run) / components; load, validate, prepare and one run, the agent text included"
                    ))
            }
        }
        return rows
    }

    /// Runs a child with `arguments` and reads the JSON line of figures it prints last.
    static func childFigures(_ arguments: [String]) throws -> [String: Double] {
        let output = try Shell.output(selfExecutable(), arguments)
        guard let line = output.split(separator: "\n").last,
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double]
        else {
            throw Shell.Failure(description: "the engine child printed no figures: \(output.suffix(300))")
        }
        return object
    }

    /// The bench binary itself, to run a child.
    static func selfExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The agent text: an APIEndpoint feeding `n` JSONFilters, one after another or all at once.
    static func agentText(_ n: Int, shape: Shape) -> String {
        var components = [
            #"{"id":"E","name":"APIEndpoint","data":{"endpoint":"go","method":"POST"},"outputs":[{"name":"headers","index":0,"default":true},{"name":"body","index":1,"default":true},{"name":"query","index":2,"default":true}]}"#
        ]
        var links: [String] = []
        components.reserveCapacity(n + 1)
        links.reserveCapacity(n)
        for index in 1...n {
            components.append(
                #"{"id":"C\#(index)","name":"JSONFilter","title":"Filter \#(index)","data":{"fields":"a,b,c"},"inputs":[{"name":"Input","index":0}],"outputs":[{"name":"Output","index":0,"default":true}]}"#
            )
            let source =
                shape == .chain && index > 1
                ? #""sourceId":"C\#(index - 1)","sourceIndex":0"# : #""sourceId":"E","sourceIndex":1"#
            links.append(#"{\#(source),"targetId":"C\#(index)","targetIndex":0}"#)
        }
        return
            #"{"id":"bench","name":"Engine bench","components":[\#(components.joined(separator: ","))],"connections":[\#(links.joined(separator: ","))]}"#
    }

    /// In the child: measures one size and prints its figures as one JSON line.
    static func child(_ spec: String) async throws {
        let parts = spec.split(separator: ":")
        guard parts.count == 3, let n = Int(parts[0]), n > 0, let shape = Shape(rawValue: String(parts[1])),
            let runs = Int(parts[2]), runs >= 0
        else {
            throw Shell.Failure(description: "--engine-child expects N:chain|fanout:RUNS")
        }
        let base = memory("VmRSS")
        let bytes = Array(agentText(n, shape: shape).utf8)
        let inputs = JSONObject([
            ("a", .number(1)), ("b", .object(JSONObject([("a", .number(2)), ("z", .number(3))]))), ("d", .string("x")),
        ])
        // Peak memory of one load + validate + prepare + execute, before the timed repeats
        // (whose freed garbage would otherwise count).
        do {
            let agent = try AgentLoader.parse(bytes, source: "bench.smyth")
            guard AgentValidator.validate(agent).isEmpty else {
                throw Shell.Failure(description: "invalid bench agent")
            }
            blackHole(
                try await executor(try AgentPreparer.prepare(agent), components: n + 1).run(
                    endpoint: nil, inputs: inputs, context: RunEnvironment()))
        }
        let peak = memory("VmHWM")
        if runs == 0 {  // the baseline: peak memory only
            let data = try JSONSerialization.data(withJSONObject: ["hwm_kb": peak, "base_kb": base])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        // Small agents are repeated so that each timed run lasts long enough to be measured.
        let repeats = max(1, 20_000 / n)
        var load: [Double] = []
        var validate: [Double] = []
        var prepare: [Double] = []
        var execute: [Double] = []
        for run in 0...runs {
            var times = (0.0, 0.0, 0.0, 0.0)
            for _ in 0..<repeats {
                var start = Measure.now()
                let agent = try AgentLoader.parse(bytes, source: "bench.smyth")
                times.0 += Measure.now() - start
                start = Measure.now()
                let issues = AgentValidator.validate(agent)
                times.1 += Measure.now() - start
                guard issues.isEmpty else {
                    throw Shell.Failure(description: "invalid bench agent: \(issues.prefix(3))")
                }
                start = Measure.now()
                let prepared = try AgentPreparer.prepare(agent)
                times.2 += Measure.now() - start
                start = Measure.now()
                let result = try await executor(prepared, components: n + 1).run(
                    endpoint: nil, inputs: inputs, context: RunEnvironment())
                times.3 += Measure.now() - start
                blackHole(result)
            }
            if run > 0 {  // run 0 is the warm-up
                load.append(times.0 / Double(repeats)); validate.append(times.1 / Double(repeats))
                prepare.append(times.2 / Double(repeats)); execute.append(times.3 / Double(repeats))
            }
        }
        let figures: [String: Double] = [
            "load_s": Measure.median(load), "validate_s": Measure.median(validate),
            "prepare_s": Measure.median(prepare),
            "execute_s": Measure.median(execute),
            "total_s": Measure.median(load) + Measure.median(validate) + Measure.median(prepare)
                + Measure.median(execute),
            "base_kb": base, "hwm_kb": peak,
        ]
        let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// An executor of `prepared` whose component limit lets all `components` run (the
    /// default limit, 100,000, is below the largest size).
    static func executor(_ prepared: PreparedAgent, components: Int) -> Executor {
        var executor = Executor(agent: prepared)
        executor.limits.maxComponentsExecuted = max(executor.limits.maxComponentsExecuted, components)
        return executor
    }

    /// A `/proc/self/status` field in kB.
    static func memory(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
        else { return .nan }
        return Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan
    }
}
