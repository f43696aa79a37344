import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A CIDR that cannot be parsed, and why.
public struct CIDRError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// What is wrong with it.
    public let reason: String
    public var description: String { "invalid network \"\(text)\": \(reason)" }
}
