import Foundation

/// Timing helpers. Every figure the bench prints is the median of several runs taken after
/// a warm-up, so that one slow run (a page fault, the other tenant of the machine) does not
/// move it; comparisons are made between figures taken in the same process.
enum Measure {
    /// Seconds since an arbitrary point, monotonic.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The median of `values` (the mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The `p`-th percentile (0...100) by nearest rank.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// Median seconds per iteration of `body`, over `runs` runs of `iterations` calls each,
    /// after one warm-up run.
    static func perIteration(runs: Int, iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for run in 0...runs {
            let start = now()
            for _ in 0..<iterations { try body() }
            let elapsed = (now() - start) / Double(iterations)
            if run > 0 { samples.append(elapsed) }  // run 0 is the warm-up
        }
        return median(samples)
    }

    /// The async form of `perIteration`.
    static func perIteration(runs: Int, iterations: Int, _ body: () async throws -> Void) async rethrows -> Double {
        var samples: [Double] = []
        for run in 0...runs {
            let start = now()
            for _ in 0..<iterations { try await body() }
            let elapsed = (now() - start) / Double(iterations)
            if run > 0 { samples.append(elapsed) }
        }
        return median(samples)
    }
}

/// Keeps a value alive so the optimiser cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
