import OrderedCollections

/// An ordered JSON object: lookups by key, iteration in the file's order. The storage is
/// swift-collections' `OrderedDictionary`, which searches small objects (most objects in agent
/// files have a handful of keys) linearly and hashes only larger ones. Setting an existing key
/// keeps its position (a duplicate key in a file keeps the first position and the last value);
/// removing a key keeps the order of the others. Equality and hashing ignore key order.
public struct JSONObject: Sendable, Equatable, Hashable, Sequence {
    private var storage: OrderedDictionary<String, JSONValue> = [:]

    /// An empty object.
    public init() {}

    /// An object with `pairs` in order; a repeated key keeps its first position and its last value.
    public init(_ pairs: [(String, JSONValue)]) {
        storage.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// The keys in order.
    public var keys: [String] { storage.keys.elements }

    /// The member `key`; setting nil removes it, setting an existing key keeps its position.
    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set { storage[key] = newValue }
    }

    /// The number of members.
    public var count: Int { storage.count }
    /// Whether the object has no members.
    public var isEmpty: Bool { storage.isEmpty }

    /// Iterates the members in order.
    public struct Iterator: IteratorProtocol {
        var base: OrderedDictionary<String, JSONValue>.Iterator

        /// The next member, or nil at the end.
        public mutating func next() -> (key: String, value: JSONValue)? { base.next() }
    }

    /// An iterator over the members in order.
    public func makeIterator() -> Iterator { Iterator(base: storage.makeIterator()) }

    /// Whether both objects have the same members, in any order: key order is presentation, not meaning.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.storage where rhs.storage[key] != value { return false }
        return true
    }

    /// Hashes the members independently of their order, as the equality is.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (key, value) in storage {
            var entry = Hasher()
            entry.combine(key)
            entry.combine(value)
            combined ^= entry.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}
