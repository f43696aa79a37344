/// No callback arrived in time.
public struct LoginTimeout: Error, CustomStringConvertible {
    /// How long the listener waited.
    public let seconds: Int
    /// What the user reads.
    public var description: String { "no login callback arrived within \(seconds) seconds; nothing was changed" }
}
