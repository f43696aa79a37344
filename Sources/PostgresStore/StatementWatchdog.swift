import Foundation
import PostgresNIO
import Synchronization
import Vault

extension PostgresVaultStore {
    /// Runs one statement, and fails as soon as its connection closes. A statement that was in
    /// flight when the server closed the connection (a restart) never completes in postgres-nio
    /// 1.33, and a caller waiting for it would wait for ever: a worker's run, and with it the
    /// worker's shutdown, hung that way in `PostgresRestartTests`. The statement runs in a task
    /// of its own, which is left behind when that happens (it holds nothing of ours); one
    /// watchdog looks at every statement's connection four times a second.
    static func untilClosed<T: Sendable>(
        _ connection: PostgresConnection, _ statement: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = StatementOutcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.attach(continuation)
            let ticket = StatementWatchdog.shared.watch(connection) {
                outcome.finish(.failure(VaultError.storage(connectionLost)))
            }
            Task {
                do { outcome.finish(.success(try await statement())) } catch { outcome.finish(.failure(error)) }
                StatementWatchdog.shared.forget(ticket)
            }
        }
    }
}

/// Fails the statements whose connection has closed. One for the process: a statement costs
/// a dictionary entry, not a timer of its own.
final class StatementWatchdog: Sendable {
    static let shared = StatementWatchdog()

    private struct Watched {
        let connection: PostgresConnection
        let fail: @Sendable () -> Void
    }

    private struct State {
        var next = 0
        var watched: [Int: Watched] = [:]
        var looking = false
    }

    private let state = Mutex(State())

    /// Watches `connection` until `forget`; calls `fail` if it closes first.
    func watch(_ connection: PostgresConnection, fail: @escaping @Sendable () -> Void) -> Int {
        let (ticket, start) = state.withLock { state -> (Int, Bool) in
            let ticket = state.next
            state.next += 1
            state.watched[ticket] = Watched(connection: connection, fail: fail)
            let start = !state.looking
            state.looking = true
            return (ticket, start)
        }
        if start { Task { await self.look() } }
        return ticket
    }

    func forget(_ ticket: Int) {
        _ = state.withLock { $0.watched.removeValue(forKey: ticket) }
    }

    /// Looks while anything is watched, then stops (the next `watch` starts it again).
    private func look() async {
        while true {
            try? await Task.sleep(for: .milliseconds(250))
            let closed = state.withLock { state -> [Watched]? in
                if state.watched.isEmpty {
                    state.looking = false
                    return nil
                }
                let closed = state.watched.filter { $0.value.connection.isClosed }
                for ticket in closed.keys { state.watched.removeValue(forKey: ticket) }
                return Array(closed.values)
            }
            guard let closed else { return }
            for statement in closed { statement.fail() }
        }
    }
}

/// The first outcome of a statement or of its connection closing; later ones are dropped.
final class StatementOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
    }

    private let state = Mutex(State())

    func attach(_ continuation: CheckedContinuation<T, any Error>) {
        let ready = state.withLock { state -> Result<T, any Error>? in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
