import Foundation
import OAuthCore
import Vault

/// Connection health in words, for the Vault page and `keyflow vault list`.
public enum HealthText {
    /// "last used 2025-05-01T10:00:00Z; last failure 2025-05-02T08:00:00Z (HTTP 401 from
    /// api.example.com)"; "–" when nothing is known.
    public static func summary(_ health: ConnectionHealth?, date: (Date) -> String = Self.date) -> String {
        guard let health else { return "–" }
        var parts: [String] = []
        if let at = health.lastSuccessAt { parts.append("last used \(date(Date(timeIntervalSince1970: at)))") }
        if let at = health.lastFailureAt {
            parts.append(
                "last failure \(date(Date(timeIntervalSince1970: at)))"
                    + (health.lastFailureReason.map { " (\($0))" } ?? ""))
        }
        return parts.isEmpty ? "–" : parts.joined(separator: "; ")
    }

    /// An instant as ISO 8601 in UTC, to the second.
    public static func date(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// How long recovered connections keep their banner.
    static let recoveredShownFor: Double = 24 * 3600

    /// Banners for the Vault page: each connection that needs a new login (with the reason and
    /// its last success and failure), and each that recovered within the last day.
    static func banners(
        _ connections: [Connection], health: [String: ConnectionHealth], changes: [String: StatusChange], now: Date,
        catalog: ProviderCatalog
    ) -> [VaultPage.Banner] {
        connections.compactMap { connection in
            let login = catalog.kind(id: connection.kind)?.isAPIKey != true
            switch connection.status {
            case .needsReauth:
                var message = "needs a new login: \(connection.statusReason ?? "the provider refused its tokens")."
                let known = summary(health[connection.id])
                if known != "–" { message += " \(known.prefix(1).uppercased() + known.dropFirst())." }
                return VaultPage.Banner(
                    id: connection.id, name: connection.name, kind: "needs-reauth", message: message, login: login)
            case .ready:
                guard let change = changes[connection.id], change.type == .recovered,
                    now.timeIntervalSince1970 - change.at < recoveredShownFor
                else { return nil }
                return VaultPage.Banner(
                    id: connection.id, name: connection.name, kind: "recovered",
                    message: "recovered: ready again since \(date(Date(timeIntervalSince1970: change.at))).",
                    login: false)
            default:
                return nil
            }
        }
    }
}
