/// How a connection has been doing, kept beside the connection row (never in it: the row's
/// version drives every node's credential cache, and a use must not bump it). Times are
/// seconds since 1970. Nothing in it is a secret: a failure's reason is short and masked.
public struct ConnectionHealth: Sendable, Hashable, Codable {
    /// The team of the connection.
    public var team: String
    /// The connection's id.
    public var connection: String
    /// When a request with its credential last got a 2xx or 3xx answer.
    public var lastSuccessAt: Double?
    /// When a request with its credential (or a refresh) last failed.
    public var lastFailureAt: Double?
    /// Why it failed then ("HTTP 401 from api.example.com", a refresh's error), masked and short.
    public var lastFailureReason: String?
    /// When its tokens were last refreshed (or issued by a login).
    public var lastRefreshAt: Double?
    /// When the refresh token stops working, where the provider said (`refresh_token_expires_in`).
    public var refreshTokenExpiresAt: Double?
    /// When this row last changed.
    public var updatedAt: Double

    /// A health row; unset fields are "not known" and leave stored values as they are.
    public init(
        team: String, connection: String, lastSuccessAt: Double? = nil, lastFailureAt: Double? = nil,
        lastFailureReason: String? = nil, lastRefreshAt: Double? = nil, refreshTokenExpiresAt: Double? = nil,
        updatedAt: Double
    ) {
        self.team = team
        self.connection = connection
        self.lastSuccessAt = lastSuccessAt
        self.lastFailureAt = lastFailureAt
        self.lastFailureReason = lastFailureReason.map(Self.shortened)
        self.lastRefreshAt = lastRefreshAt
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.updatedAt = updatedAt
    }

    /// Folds a later observation in, as the stores' upsert does: each time keeps the newer
    /// value, a failure's reason goes with its time, and the refresh token's expiry with the
    /// refresh that reported it (a refresh that did not say clears it).
    public mutating func merge(_ newer: ConnectionHealth) {
        lastSuccessAt = Self.later(lastSuccessAt, newer.lastSuccessAt)
        if let at = newer.lastFailureAt, at >= (lastFailureAt ?? -.infinity) {
            lastFailureAt = at
            lastFailureReason = newer.lastFailureReason
        }
        if let at = newer.lastRefreshAt, at >= (lastRefreshAt ?? -.infinity) {
            lastRefreshAt = at
            refreshTokenExpiresAt = newer.refreshTokenExpiresAt
        }
        updatedAt = max(updatedAt, newer.updatedAt)
    }

    static func later(_ a: Double?, _ b: Double?) -> Double? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    /// The longest reason kept (a provider's error text can be long).
    public static let maxReasonLength = 200

    static func shortened(_ reason: String) -> String {
        let line = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > maxReasonLength ? String(line.prefix(maxReasonLength)) + "…" : line
    }
}

/// A connection the background refresher may refresh: its team and id.
public struct RefreshCandidate: Sendable, Hashable {
    /// The connection's team.
    public var team: String
    /// The connection's id.
    public var connection: String
    /// When its access token expires, if known.
    public var tokenExpiresAt: Double?

    /// A candidate.
    public init(team: String, connection: String, tokenExpiresAt: Double?) {
        self.team = team
        self.connection = connection
        self.tokenExpiresAt = tokenExpiresAt
    }
}
