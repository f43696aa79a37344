import OrderedCollections

/// A JSON value whose objects keep their key order, so that an agent file rewritten by
/// Keyflow (`--save`, `vault migrate`) differs from the original only where it was changed.
public enum JSONValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, if the value is one.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The number, if the value is one.
    public var numberValue: Double? { if case .number(let value) = self { value } else { nil } }
    /// The boolean, if the value is one.
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The elements, if the value is an array.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    /// The members, if the value is an object.
    public var objectValue: JSONObject? { if case .object(let value) = self { value } else { nil } }
    /// Whether the value is `null`.
    public var isNull: Bool { self == .null }

    /// The member `key` of an object, nil otherwise.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The JSON type's name, for error messages ("expected an array, found a string").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

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
