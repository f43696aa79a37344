import Foundation

/// A thread-safe counter, for scripted transports that answer differently on each call.
public final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    public init() {}

    /// The next count, starting at 1.
    public func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }

    /// How many times `next()` was called.
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
