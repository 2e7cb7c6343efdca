import OrderedCollections

/// A JSON value that keeps what Gradio's wire format needs and Foundation's JSON types lose:
/// object keys keep their order and numbers keep their exact text, so a value round-trips.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number's text as it appeared on the wire (for example `0.27136194705963135` or `3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func number(_ value: Int) -> JSONValue { .number(String(value)) }
    public static func number(_ value: Double) -> JSONValue { .number("\(value)") }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) }
        return nil
    }

    public var intValue: Int? {
        guard case .number(let n) = self else { return nil }
        return Int(n) ?? Double(n).flatMap { $0.rounded() == $0 ? Int(exactly: $0) : nil }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The element at `index` when this is an array and the index is in range.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }
}

/// A JSON object whose members keep the order they arrived in, found by key in O(1): a
/// hostile config or event with 300,000 keys costs a fraction of a second, not minutes.
public struct JSONObject: Sendable, Hashable {
    private var storage: OrderedDictionary<String, JSONValue>

    public init() {
        storage = [:]
    }

    public init(_ members: [(String, JSONValue)]) {
        self.init()
        for (key, value) in members { self[key] = value }
    }

    public var count: Int { storage.count }
    public var keys: [String] { Array(storage.keys) }
    public var values: [JSONValue] { Array(storage.values) }
    public var members: Zip2Sequence<OrderedSet<String>, OrderedDictionary<String, JSONValue>.Values> { zip(storage.keys, storage.values) }

    public func index(of key: String) -> Int? {
        storage.index(forKey: key)
    }

    /// Reading finds the member; writing a new key appends it; writing `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set { storage[key] = newValue }
    }

    /// Mutates a member in place, without copying it (keeps long strings uniquely referenced).
    @discardableResult
    public mutating func modifyValue<R>(at index: Int, _ body: (inout JSONValue) throws -> R) rethrows -> R {
        try body(&storage.values[index])
    }

    /// Order-insensitive equality of members, as JSON itself defines objects.
    public func hasSameMembers(as other: JSONObject) -> Bool {
        guard count == other.count else { return false }
        for (key, value) in members {
            guard let theirs = other[key], theirs.isSemanticallyEqual(to: value) else { return false }
        }
        return true
    }
}

extension JSONValue {
    /// Equality as JSON defines it: object member order does not matter.
    public func isSemanticallyEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)): return a.hasSameMembers(as: b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isSemanticallyEqual(to: $1) }
        default: return self == other
        }
    }
}
