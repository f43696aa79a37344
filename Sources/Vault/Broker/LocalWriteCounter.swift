import OAuthCore
import Synchronization

/// A count of the writes made through one store in this process: a cached entry checks its
/// version again after any of them, so that an edit or a sign-out here takes effect at once.
/// It belongs to the store instance (not the process), so that a second store opened on the
/// same database, as another process would, is seen only through the version check.
public final class LocalWriteCounter: Sendable {
    private let counter = Atomic<Int>(0)

    /// An empty count, for a new store.
    public init() {}

    /// Records a write made through the store.
    public func note() { counter.wrappingAdd(1, ordering: .releasing) }
    /// The writes recorded so far.
    public var count: Int { counter.load(ordering: .acquiring) }
}

/// The broker's cache of `CachedAuthorization`s by connection id; safe to read from any task
/// without waiting for the broker actor.
final class CredentialCache: Sendable {
    private let entries = Mutex<[String: CachedAuthorization]>([:])

    func entry(_ id: String) -> CachedAuthorization? { entries.withLock { $0[id] } }
    func store(_ entry: CachedAuthorization, for id: String) { entries.withLock { $0[id] = entry } }
    func remove(_ id: String) { _ = entries.withLock { $0.removeValue(forKey: id) } }

    /// Marks the entry's version as checked now, if it is still the same entry.
    func checked(_ id: String, version: Int64, writes: Int, at time: Double) {
        entries.withLock { entries in
            guard entries[id]?.version == version else { return }
            entries[id]?.writes = writes
            entries[id]?.checkedAt = time
        }
    }
}
