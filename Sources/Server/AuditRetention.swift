import Foundation
import Logging
import ServiceLifecycle
import Vault

/// `keyflow serve --audit-retention 90d`: deletes every team's audit records older than the
/// retention, once at start and then every `interval`, each prune leaving a signed checkpoint
/// (`Vault.pruneAudit`). Several nodes may all run it: each prune holds the team's head lock,
/// and a second one finds nothing left to delete. A failure is logged and tried again next time.
public struct AuditRetention: Service {
    let vault: Vault
    let retention: Double
    let interval: Duration
    let logger: Logger

    /// Keeps `retention` seconds of records in `vault`'s store, pruning every `interval`.
    public init(
        vault: Vault, retention: Double, interval: Duration = .seconds(3_600),
        logger: Logger = Logger(label: "keyflow.audit")
    ) {
        self.vault = vault
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    /// Prunes once now.
    public func pruneOnce(now: Date = Date()) async {
        do {
            let pruned = try await vault.pruneAudit(before: now.timeIntervalSince1970 - retention)
            let deleted = pruned.reduce(0) { $0 + $1.deleted }
            if deleted > 0 {
                logger.notice(
                    "audit records pruned", metadata: ["deleted": "\(deleted)", "teams": "\(pruned.count)"])
            }
        } catch {
            logger.error("audit prune failed", metadata: ["reason": "\(error.message)"])
        }
    }

    /// Prunes at start and every `interval` until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pruneOnce()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
