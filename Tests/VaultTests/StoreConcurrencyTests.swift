import Foundation
import Testing
import Vault

/// `keyflow serve` runs many agents at once on Swift's few cooperative threads. A store call
/// that blocks one of them while GRDB's async reads wait for a free one to continue deadlocked
/// the server (both threads of a 2-core machine stuck in GRDB's `Pool.get`): every store read
/// and write must be async.
struct StoreConcurrencyTests {
    // Alone it takes about a second; the limit leaves room for a loaded machine running the
    // whole suite at once.
    @Test(.timeLimit(.minutes(2)))
    func agentReadsAndVaultReadsAtOnceDoNotDeadlock() async throws {
        let home = try TestHome()
        let vault = try await home.open()
        let store = try #require(vault.store as? SQLiteVaultStore)
        let id = try await vault.add(
            kind: "custom-oauth2", name: "API",
            input: ConnectionInput(
                text: [
                    "clientID": "client", "clientSecret": "secret",
                    "authorizationURL": "https://auth.example/authorize",
                    "tokenURL": "https://auth.example/token",
                ])
        ).id
        try await vault.setKey("API_KEY", value: "value")
        _ = try await store.saveAgent(
            team: vault.team, name: "digest", body: Data("{}".utf8), changedBy: "test",
            changedAt: 1, expectedVersion: nil)
        let watchdog = DeadlockWatchdog(seconds: 150)
        defer { watchdog.finished() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<200 {
                group.addTask {
                    for _ in 0..<2 {
                        if task % 2 == 0 {
                            _ = try await store.agent(team: vault.team, name: "digest")
                            _ = try await store.agentNames(team: vault.team)
                        } else {
                            _ = try await vault.list()
                            _ = try await vault.connection(id)
                            _ = try await vault.keyValue("API_KEY")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// Swift Testing's time limit is enforced by a task, which cannot run once every cooperative
/// thread is blocked; this watchdog runs on a thread of its own and ends the test process
/// with a message instead of letting it hang forever.
final class DeadlockWatchdog: Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(seconds: Int) {
        let done = done
        Thread.detachNewThread {
            if done.wait(timeout: .now() + .seconds(seconds)) == .timedOut {
                fatalError("deadlock: the store's callers did not finish within \(seconds) s")
            }
        }
    }

    func finished() { done.signal() }
}
