import Foundation
import Synchronization

/// What happened to runs, for whoever in this process waits on them: workers wake when a run
/// is queued (or a cancel is asked for one they hold), and a synchronous caller wakes when its
/// run ends. A store posts its own changes here after they commit; a PostgreSQL store also
/// posts what other nodes announce with NOTIFY. Events only wake: every listener reads the
/// store for the truth, so a lost or doubled event costs a poll, never a wrong answer.
public final class RunEvents: Sendable {
    /// One thing that happened.
    public enum Event: Sendable, Equatable {
        /// A run was queued (or put back in the queue).
        case queued
        /// The run ended.
        case finished(String)
        /// The run's flow answered; its Async jobs still run.
        case answered(String)
        /// Someone asked to cancel the running run.
        case cancelRequested(String)
    }

    private struct Listeners {
        var next = 0
        var continuations: [Int: AsyncStream<Event>.Continuation] = [:]
    }

    private let listeners = Mutex(Listeners())
    private let waiters = Mutex(Waiters())

    /// A hub with no listeners yet.
    public init() {}

    /// Tells every listener, and wakes whoever waits for the run that finished.
    public func post(_ event: Event) {
        let continuations = listeners.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(event) }
        switch event {
        case .finished(let id), .answered(let id):
            for continuation in waiters.withLock({ $0.fire(id) }) { continuation.resume() }
        case .queued, .cancelRequested: break
        }
    }

    /// Waits until `id` is announced finished (or answered) or `timeout` has passed, whichever is first.
    /// `check` runs after the waiter is registered (so an ending announced meanwhile is not
    /// missed) and ends the wait at once when it returns true: it reads the store.
    public func waitForFinish(
        of id: String, timeout: Duration, check: () async throws -> Bool
    ) async rethrows {
        let ticket = waiters.withLock { $0.register(id) }
        let done: Bool
        do { done = try await check() } catch {
            waiters.withLock { $0.remove(ticket) }
            throw error
        }
        if done {
            waiters.withLock { $0.remove(ticket) }
            return
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.waiters.withLock { $0.remove(ticket) }?.resume()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = waiters.withLock { $0.attach(continuation, to: ticket) }
            if now { continuation.resume() }
        }
        timer.cancel()
    }

    /// How many waiters are registered (for tests: none may be left behind).
    public var waiterCount: Int { waiters.withLock { $0.runs.count } }

    /// Who waits for which run: a ticket fired before its continuation arrived is remembered.
    private struct Waiters {
        var next = 0
        var runs: [Int: String] = [:]
        var fired: Set<Int> = []
        var continuations: [Int: CheckedContinuation<Void, Never>] = [:]
        var byRun: [String: Set<Int>] = [:]

        mutating func register(_ id: String) -> Int {
            let ticket = next
            next += 1
            runs[ticket] = id
            byRun[id, default: []].insert(ticket)
            return ticket
        }

        /// Resumes at once (returns true) when the ticket already fired or was removed.
        mutating func attach(_ continuation: CheckedContinuation<Void, Never>, to ticket: Int) -> Bool {
            guard runs[ticket] != nil, !fired.contains(ticket) else {
                remove(ticket)
                return true
            }
            continuations[ticket] = continuation
            return false
        }

        mutating func fire(_ id: String) -> [CheckedContinuation<Void, Never>] {
            var ready: [CheckedContinuation<Void, Never>] = []
            for ticket in byRun[id] ?? [] {
                if let continuation = remove(ticket) { ready.append(continuation) } else { markFired(ticket, id) }
            }
            return ready
        }

        private mutating func markFired(_ ticket: Int, _ id: String) {
            runs[ticket] = id
            byRun[id, default: []].insert(ticket)
            fired.insert(ticket)
        }

        @discardableResult
        mutating func remove(_ ticket: Int) -> CheckedContinuation<Void, Never>? {
            if let id = runs.removeValue(forKey: ticket) {
                byRun[id]?.remove(ticket)
                if byRun[id]?.isEmpty == true { byRun[id] = nil }
            }
            fired.remove(ticket)
            return continuations.removeValue(forKey: ticket)
        }
    }

    /// The events from now on, until the stream is dropped. Only the newest few are kept for
    /// a listener that is slow to read: they wake, and the store has the state.
    public func stream() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = listeners.withLock { listeners in
            let id = listeners.next
            listeners.next += 1
            listeners.continuations[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    /// The listeners now attached (for tests).
    public var listenerCount: Int { listeners.withLock { $0.continuations.count } }
}
