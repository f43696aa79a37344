import Foundation

/// A provider catalog that cannot be used.
public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the catalog.
    public let reason: String
    public var description: String { reason }
}
