import Foundation

/// A named secret for `{{KEY(NAME)}}` templates, sealed like connections.
public struct StoredKey: Sendable, Equatable {
    /// The team that owns the key.
    public var team: String
    /// The key's name, as `{{KEY(NAME)}}` uses it.
    public var name: String
    /// The id of the master key that wrapped `wrappedKey`.
    public var keyID: String
    /// The key's data key, wrapped by the master key.
    public var wrappedKey: Data
    /// The value, sealed with the data key.
    public var value: Data
    /// When it was created (seconds since 1970).
    public var createdAt: Double
    /// When it last changed (seconds since 1970).
    public var updatedAt: Double

    /// A key row as a store reads it.
    public init(
        team: String, name: String, keyID: String, wrappedKey: Data, value: Data, createdAt: Double, updatedAt: Double
    ) {
        self.team = team
        self.name = name
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.value = value
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
