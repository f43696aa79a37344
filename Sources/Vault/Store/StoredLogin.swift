import Foundation

/// A login waiting for its provider's callback, as stored: found by the hash of its key (the
/// OAuth 2.0 `state` or the OAuth 1.0a temporary token), so the store never holds a value a
/// callback could be forged from; the flow's secrets (PKCE verifier, temporary token secret)
/// are sealed.
public struct StoredLogin: Sendable, Equatable {
    /// SHA-256 of the login's key, hex.
    public var keyHash: String
    /// The team whose connection is logging in.
    public var team: String
    /// The connection being logged in.
    public var connectionID: String
    /// The connection's version when the login started; a changed connection ends the login.
    public var connectionVersion: Int64
    /// Who may finish it (`LoginBinding.stored`).
    public var binding: String
    /// The flow's state, sealed with a key only the Vault holds.
    public var flow: Data
    /// When it started and when it stops being accepted (seconds since 1970).
    public var startedAt: Double
    /// After this the callback is refused.
    public var expiresAt: Double

    /// A stored login with these fields.
    public init(
        keyHash: String, team: String, connectionID: String, connectionVersion: Int64, binding: String, flow: Data,
        startedAt: Double, expiresAt: Double
    ) {
        self.keyHash = keyHash
        self.team = team
        self.connectionID = connectionID
        self.connectionVersion = connectionVersion
        self.binding = binding
        self.flow = flow
        self.startedAt = startedAt
        self.expiresAt = expiresAt
    }
}
