import Foundation
import Synchronization
import Vault

/// The runs one worker is executing, by claim token, with the task of each, so that a lost
/// lease or a cancel can stop the right one.
final class HeldRuns: Sendable {
    /// Why a held run's task was stopped from outside.
    enum Stop: Sendable, Equatable {
        case cancelRequested
        case leaseLost
        /// It ran past its deadline without stopping: the worker ended it and let it go.
        case overdue
    }

    private struct Entry {
        let runID: String
        /// When the worker gives up waiting for it (its wall-time limit, and then some).
        let deadline: ContinuousClock.Instant
        var task: Task<Void, Never>?
        var stop: Stop?
    }

    private let entries = Mutex<[String: Entry]>([:])

    var count: Int { entries.withLock { $0.count } }
    var claims: [String] { entries.withLock { Array($0.keys) } }

    /// Whether the run of `claim` is still this worker's to record.
    func holds(_ claim: String) -> Bool { entries.withLock { $0[claim] != nil } }

    func add(claim: String, runID: String, deadline: ContinuousClock.Instant) {
        entries.withLock { $0[claim] = Entry(runID: runID, deadline: deadline) }
    }

    /// The runs past their deadline, marked `overdue` and removed: the worker records them as
    /// failed and stops waiting for them.
    func takeOverdue(now: ContinuousClock.Instant) -> [(claim: String, runID: String)] {
        let overdue = entries.withLock { entries -> [(String, String, Task<Void, Never>?)] in
            let late = entries.filter { $0.value.deadline < now }
            for claim in late.keys { entries.removeValue(forKey: claim) }
            return late.map { ($0.key, $0.value.runID, $0.value.task) }
        }
        for (_, _, task) in overdue { task?.cancel() }
        return overdue.map { ($0.0, $0.1) }
    }

    /// The run's task, once started; stopped at once if a stop came first.
    func attach(_ task: Task<Void, Never>, to claim: String) {
        let stopNow = entries.withLock { entries -> Bool in
            entries[claim]?.task = task
            return entries[claim]?.stop != nil
        }
        if stopNow { task.cancel() }
    }

    func remove(claim: String) {
        _ = entries.withLock { $0.removeValue(forKey: claim) }
    }

    /// Why the run was stopped, if it was.
    func stopReason(claim: String) -> Stop? { entries.withLock { $0[claim]?.stop } }

    /// Stops the run held under `claim` (or by run id).
    func stop(claim: String, because reason: Stop) {
        let task = entries.withLock { entries -> Task<Void, Never>? in
            guard entries[claim] != nil else { return nil }
            if entries[claim]?.stop == nil { entries[claim]?.stop = reason }
            return entries[claim]?.task
        }
        task?.cancel()
    }

    func stop(runID: String, because reason: Stop) {
        let claim = entries.withLock { entries in entries.first { $0.value.runID == runID }?.key }
        if let claim { stop(claim: claim, because: reason) }
    }
}
