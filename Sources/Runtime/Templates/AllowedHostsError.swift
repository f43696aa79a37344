import OAuthCore

/// An `allowedHosts` entry that is not a host name with an optional port.
public struct AllowedHostsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry as written.
    public let entry: String
    public var description: String { "allowedHosts: \"\(entry)\" is not a host name with an optional :port" }
}
