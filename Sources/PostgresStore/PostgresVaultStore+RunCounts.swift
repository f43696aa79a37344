import PostgresNIO
import Vault

extension PostgresVaultStore: RunCounting {
    /// One statement on the partial index `runs_queued`.
    public func countQueuedRuns() async throws(VaultError) -> Int {
        let counts = try await rows("SELECT COUNT(*) AS n FROM runs WHERE status = 'queued'") { row in
            try row["n"].decode(Int64.self)
        }
        return Int(clamping: counts.first ?? 0)
    }
}
