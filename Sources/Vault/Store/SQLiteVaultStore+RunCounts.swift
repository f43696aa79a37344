import GRDB

extension SQLiteVaultStore: RunCounting {
    /// One read on the `runs_queue (status, created_at)` index.
    public func countQueuedRuns() async throws(VaultError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE status = 'queued'") ?? 0 }
    }
}
