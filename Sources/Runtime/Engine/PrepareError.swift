/// Components whose runner could not be built, each with the reason.
public struct PrepareError: Error, Sendable, CustomStringConvertible {
    /// One line per component that failed, naming it.
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}
