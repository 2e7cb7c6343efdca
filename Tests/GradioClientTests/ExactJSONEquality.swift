@testable import GradioClient

/// Exact JSON equality: strings compared by Unicode scalars (not canonical equivalence),
/// object members compared regardless of order.
func exactlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(exactlyEqual)
    case (.object(let x), .object(let y)):
        guard x.count == y.count else { return false }
        for (key, value) in x.members {
            guard let other = y.members.first(where: { $0.0.unicodeScalars.elementsEqual(key.unicodeScalars) })?.1,
                  exactlyEqual(value, other) else { return false }
        }
        return true
    default: return a == b
    }
}
