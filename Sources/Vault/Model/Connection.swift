import Foundation
import OAuthCore

/// A saved OAuth connection as the rest of Keyflow sees it: settings and status, never the
/// secrets or tokens (those are opened on demand through the Vault).
public struct Connection: Sendable, Equatable {
    /// Opaque, URL-safe and stable: `kc_` and 22 base62 characters.
    public var id: String
    /// The team that owns the connection; no other team sees it.
    public var team: String
    /// The name the user gave, trimmed.
    public var name: String
    /// A kind id of the provider catalog.
    public var kind: String
    /// The non-secret settings as the user gave them.
    public var settings: ConnectionSettings
    /// Where the connection stands: needs a login, ready, needs a new login, or broken.
    public var status: ConnectionStatus
    /// The provider's words when the status is `needs-reauth` or `error`.
    public var statusReason: String?
    /// Copied out of the sealed tokens at each change so lists can show it without unsealing.
    public var tokenExpiresAt: Date?
    /// Whether tokens are stored (read from the row, without unsealing them).
    public var hasTokens: Bool
    /// When the connection was added.
    public var createdAt: Date
    /// When the connection last changed.
    public var updatedAt: Date
    /// Set for Legacy connections, created from inline component configs.
    public var legacy: LegacyOrigin?
    /// Bumped by every change; the compare-and-swap of concurrent updates.
    public var version: Int64

    /// The agent and component a Legacy connection came from.
    public struct LegacyOrigin: Sendable, Equatable, Codable {
        /// The id of the agent whose inline config the connection came from.
        public var agentID: String
        /// The id of the component within that agent.
        public var componentID: String
        /// The origin of a Legacy connection.
        public init(agentID: String, componentID: String) {
            self.agentID = agentID
            self.componentID = componentID
        }
    }

    /// Whether the connection was created from a Legacy inline component config.
    public var isLegacy: Bool { legacy != nil }
}

/// New connection ids: 128 random bits in base62, prefixed so they are recognisable in logs.
package enum ConnectionID {
    /// A new random id with `prefix` (`kc_` connections, `ku_` users).
    package static func make(prefix: String = "kc_") -> String {
        prefix
            + SecureRandom.string(
                length: 22, alphabet: Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8))
    }

    /// Ids come from users and URLs: only the characters ids are made of are accepted.
    static func isWellFormed(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { PercentEncoding.isUnreserved($0) }
    }
}
