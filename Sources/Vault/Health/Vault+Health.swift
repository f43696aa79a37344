import Foundation

extension Vault {
    /// The team's connection health, by connection id (connections never used have none).
    public func health() async throws(VaultError) -> [String: ConnectionHealth] {
        Dictionary(try await store.health(team: team).map { ($0.connection, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The latest reported status change of each of the team's connections (within the
    /// outbox's `StatusOutbox.keep`), by connection id: what the Vault page's banners show.
    public func latestStatusChanges() async throws(VaultError) -> [String: StatusChange] {
        var latest: [String: StatusChange] = [:]
        for entry in try await store.statusChanges(team: team) {
            if let current = latest[entry.change.connection], current.at > entry.change.at { continue }
            latest[entry.change.connection] = entry.change
        }
        return latest
    }
}

extension ConnectionHealth {
    /// "refresh token expires in 12 days" (or "in 5 hours", "expired"); nil when the provider did not say.
    public func refreshTokenExpiry(now: Date) -> String? {
        guard let expiresAt = refreshTokenExpiresAt else { return nil }
        let left = expiresAt - now.timeIntervalSince1970
        if left <= 0 { return "refresh token expired" }
        let days = Int((left / 86400).rounded(.down))
        if days >= 1 { return "refresh token expires in \(days) day\(days == 1 ? "" : "s")" }
        let hours = max(1, Int((left / 3600).rounded(.down)))
        return "refresh token expires in \(hours) hour\(hours == 1 ? "" : "s")"
    }
}
