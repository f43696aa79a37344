/// A URL that cannot be used, and why.
public struct InvalidURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL as given.
    public let url: String
    /// What is wrong with it, in words.
    public let reason: String
    public var description: String { "invalid URL \"\(url)\": \(reason)" }
}
