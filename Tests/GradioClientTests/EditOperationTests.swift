import TestSupport
import Testing
@testable import GradioClient

private func json(_ text: String) -> JSONValue { try! JSONValue.parse(text) }

private func applied(_ text: String, _ ops: [EditOperation]) throws -> JSONValue {
    var value = json(text)
    try value.apply(ops)
    return value
}

// MARK: - Gradio's differ, reproduced from gradio 4.44.1 `gradio/utils.py` `diff(old, new)`

/// Python's `==` on values decoded from JSON (dicts compare without order). Strings compare
/// by code points, as Python's do.
private func pythonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool { exactlyEqual(a, b) }

/// Python's `type(x)`: int and float are different types.
private func pythonType(_ v: JSONValue) -> String {
    switch v {
    case .null: "NoneType"
    case .bool: "bool"
    case .number(let n): n.contains(where: { ".eE".contains($0) }) ? "float" : "int"
    case .string: "str"
    case .array: "list"
    case .object: "dict"
    }
}

func gradioDiff(_ old: JSONValue, _ new: JSONValue) -> [EditOperation] {
    func compare(_ obj1: JSONValue, _ obj2: JSONValue, _ path: [JSONPathComponent]) -> [EditOperation] {
        var edits: [EditOperation] = []
        if pythonEqual(obj1, obj2) { return edits }
        if pythonType(obj1) != pythonType(obj2) {
            edits.append(EditOperation(.replace, path, obj2))
            return edits
        }
        if case .string(let s1) = obj1, case .string(let s2) = obj2, s2.unicodeScalars.starts(with: s1.unicodeScalars) {
            var tail = String.UnicodeScalarView()
            tail.append(contentsOf: s2.unicodeScalars.dropFirst(s1.unicodeScalars.count))
            edits.append(EditOperation(.append, path, .string(String(tail))))
            return edits
        }
        if case .array(let l1) = obj1, case .array(let l2) = obj2 {
            let common = min(l1.count, l2.count)
            for i in 0..<common { edits += compare(l1[i], l2[i], path + [.index(i)]) }
            for i in common..<max(common, l1.count) { edits.append(EditOperation(.delete, path + [.index(i)], .null)) }
            for i in common..<max(common, l2.count) { edits.append(EditOperation(.add, path + [.index(i)], l2[i])) }
            return edits
        }
        if case .object(let d1) = obj1, case .object(let d2) = obj2 {
            for (key, value) in d1.members {
                if let other = d2[key] {
                    edits += compare(value, other, path + [.key(key)])
                } else {
                    edits.append(EditOperation(.delete, path + [.key(key)], .null))
                }
            }
            for (key, value) in d2.members where d1[key] == nil {
                edits.append(EditOperation(.add, path + [.key(key)], value))
            }
            return edits
        }
        edits.append(EditOperation(.replace, path, obj2))
        return edits
    }
    return compare(old, new, [])
}

// MARK: - Random JSON

struct JSONGenerator {
    var rng: SplitMix64
    static let words = ["", "a", "ab", "abc", "hello", "hello world", "é", "e\u{301}", "你好", "🙂", " ", "\n", "ha ha", "\"q\"", "x\\y"]
    static let keys = ["a", "b", "c", "text", "role", "content", "0", "1", "é", ""]
    static let numbers = ["0", "1", "-1", "42", "3.5", "0.27136194705963135", "1e-7", "-0", "12345678901234567890"]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    mutating func string() -> String {
        var s = ""
        for _ in 0..<int(0...3) { s += Self.words[int(0...(Self.words.count - 1))] }
        return s
    }

    mutating func value(depth: Int) -> JSONValue {
        let kind = depth <= 0 ? int(0...3) : int(0...5)
        switch kind {
        case 0: return chance(0.5) ? .null : .bool(chance(0.5))
        case 1: return .number(Self.numbers[int(0...(Self.numbers.count - 1))])
        case 2, 3: return .string(string())
        case 4: return .array((0..<int(0...5)).map { _ in value(depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<int(0...4) { object[Self.keys[int(0...(Self.keys.count - 1))]] = value(depth: depth - 1) }
            return .object(object)
        }
    }

    /// A value derived from `old` by a few small edits: the realistic case of streaming.
    mutating func mutate(_ old: JSONValue, depth: Int = 0) -> JSONValue {
        if depth > 4 || chance(0.08) { return chance(0.5) ? value(depth: 2) : old }
        switch old {
        case .string(let s):
            switch int(0...4) {
            case 0, 1: return .string(s + string() + Self.words[int(1...(Self.words.count - 1))])
            case 2: return .string(String(String.UnicodeScalarView(s.unicodeScalars.prefix(max(0, s.unicodeScalars.count - int(1...3))))))
            case 3: return .string(string() + s)
            default: return old
            }
        case .number:
            return chance(0.5) ? .number(Self.numbers[int(0...(Self.numbers.count - 1))]) : old
        case .bool(let b):
            return chance(0.5) ? .bool(!b) : old
        case .null:
            return chance(0.3) ? value(depth: 1) : old
        case .array(var items):
            for i in items.indices where chance(0.4) { items[i] = mutate(items[i], depth: depth + 1) }
            switch int(0...5) {
            case 0: items.append(contentsOf: (0..<int(1...3)).map { _ in value(depth: 2) })
            case 1, 2: items.removeLast(min(items.count, int(1...5))) // shrink by several
            case 3: if !items.isEmpty { items.remove(at: int(0...(items.count - 1))) }
            case 4: items.insert(value(depth: 1), at: int(0...items.count))
            default: break
            }
            return .array(items)
        case .object(var object):
            for key in object.keys where chance(0.4) { object[key] = mutate(object[key]!, depth: depth + 1) }
            if chance(0.3), let key = object.keys.randomElement(using: &rng) { object[key] = nil }
            if chance(0.3) { object[Self.keys[int(0...(Self.keys.count - 1))]] = value(depth: 1) }
            return .object(object)
        }
    }
}

@Suite("Edit operations")
struct EditOperationTests {
    @Test func replace() throws {
        #expect(try applied(#"{"a":[1,2]}"#, [EditOperation(.replace, [], .number(5))]) == .number(5))
        #expect(try applied(#"[1,2,3]"#, [EditOperation(.replace, [.index(1)], .string("x"))]) == json(#"[1,"x",3]"#))
        #expect(try applied(#"{"a":1,"b":2}"#, [EditOperation(.replace, [.key("a")], .null)]).jsonText == #"{"a":null,"b":2}"#)
        // Replacing a missing key sets it (as Python's `obj[key] = value` would).
        #expect(try applied(#"{"a":1}"#, [EditOperation(.replace, [.key("z")], .bool(true))]).jsonText == #"{"a":1,"z":true}"#)
        #expect(try applied(#"[[0,{"t":"x"}]]"#, [EditOperation(.replace, [.index(0), .index(1), .key("t")], .string("y"))])
            == json(#"[[0,{"t":"y"}]]"#))
    }

    @Test func append() throws {
        #expect(try applied(#""ab""#, [EditOperation(.append, [], .string("c"))]) == .string("abc"))
        #expect(try applied(#"[[{"text":"He"}]]"#, [EditOperation(.append, [.index(0), .index(0), .key("text")], .string("llo"))])
            == json(#"[[{"text":"Hello"}]]"#))
        #expect(try applied(#"[1]"#, [EditOperation(.append, [], .array([.number(2)]))]) == json("[1,2]"))
        // Repeated appends are never merged or deduplicated.
        var value = JSONValue.string("")
        for _ in 0..<3 { try value.apply(EditOperation(.append, [], .string("ha "))) }
        #expect(value == .string("ha ha ha "))
    }

    @Test func addAndDeleteOnLists() throws {
        #expect(try applied("[1,3]", [EditOperation(.add, [.index(1)], .number(2))]) == json("[1,2,3]"))
        #expect(try applied("[1,2]", [EditOperation(.add, [.index(2)], .number(3))]) == json("[1,2,3]"))
        #expect(try applied("[]", [EditOperation(.add, [.index(0)], .null)]) == json("[null]"))
        #expect(try applied("[1,2,3]", [EditOperation(.delete, [.index(0)])]) == json("[2,3]"))
        // One past the end removes the last item (Gradio's ascending deletes).
        #expect(try applied("[1,2,3,4]", [EditOperation(.delete, [.index(2)]), EditOperation(.delete, [.index(3)])]) == json("[1,2]"))
    }

    @Test("a list shrinking by several items, as Gradio's differ writes it", arguments: 1...8)
    func shrinkBySeveral(removed: Int) throws {
        for kept in 0...3 {
            let old = JSONValue.array((0..<(kept + removed)).map { .number($0) })
            let new = JSONValue.array((0..<kept).map { .number($0) })
            let ops = gradioDiff(old, new)
            #expect(ops.count == removed)
            var value = old
            #expect(throws: Never.self, "kept \(kept), removed \(removed)") { try value.apply(ops) }
            #expect(value == new, "kept \(kept), removed \(removed)")
        }
    }

    @Test func addAndDeleteOnObjects() throws {
        #expect(try applied(#"{"a":1}"#, [EditOperation(.add, [.key("b")], .number(2))]).jsonText == #"{"a":1,"b":2}"#)
        #expect(try applied(#"{"a":1,"b":2}"#, [EditOperation(.add, [.key("a")], .number(3))]).jsonText == #"{"a":3,"b":2}"#)
        #expect(try applied(#"{"a":1,"b":2}"#, [EditOperation(.delete, [.key("a")])]).jsonText == #"{"b":2}"#)
        #expect(try applied(#"{"x":{"a":1}}"#, [EditOperation(.delete, [.key("x"), .key("a")])]).jsonText == #"{"x":{}}"#)
    }

    @Test("ops that do not fit throw and leave the value unchanged", arguments: [
        (#"[1,2]"#, EditOperation(.add, [], .null)),
        (#"[1,2]"#, EditOperation(.delete, [])),
        (#""s""#, EditOperation(.append, [], .number(1))),
        (#"1"#, EditOperation(.append, [], .string("x"))),
        (#"null"#, EditOperation(.append, [], .string("x"))),
        (#"[1]"#, EditOperation(.append, [], .string("x"))),
        (#"[1,2]"#, EditOperation(.add, [.index(3)], .null)),
        (#"[1,2]"#, EditOperation(.add, [.index(-1)], .null)),
        (#"[1,2]"#, EditOperation(.replace, [.index(2)], .null)),
        (#"[1,2]"#, EditOperation(.replace, [.index(-1)], .null)),
        (#"[1,2]"#, EditOperation(.delete, [.index(-1)])),
        (#"[]"#, EditOperation(.delete, [.index(0)])),
        (#"[1,2]"#, EditOperation(.replace, [.key("a")], .null)),
        (#"{"a":1}"#, EditOperation(.replace, [.index(0)], .null)),
        (#"{"a":1}"#, EditOperation(.delete, [.key("b")])),
        (#"{"a":1}"#, EditOperation(.append, [.key("b")], .string("x"))),
        (#"{"a":"s"}"#, EditOperation(.replace, [.key("a"), .index(0)], .null)),
        (#"{"a":[1]}"#, EditOperation(.replace, [.key("a"), .index(5), .key("t")], .null)),
        (#"[[1]]"#, EditOperation(.append, [.index(0), .index(0)], .string("x"))),
        (#""s""#, EditOperation(.replace, [.key("a")], .null)),
    ])
    func opsThatDoNotFit(start: String, op: EditOperation) {
        var value = json(start)
        #expect(throws: EditError.self) { try value.apply(op) }
        #expect(value == json(start))
    }

    @Test func wireFormRoundTrip() throws {
        let op = EditOperation(.append, [.index(0), .index(1), .key("text")], .string(" tok"))
        #expect(op.wire.jsonText == #"["append",[0,1,"text"]," tok"]"#)
        #expect(try EditOperation(wire: json(op.wire.jsonText)) == op)
        #expect(try EditOperation(wire: json(#"["delete",[3]]"#)) == EditOperation(.delete, [.index(3)], .null))
        #expect(try EditOperation(wire: json(#"["replace",[],null]"#)) == EditOperation(.replace, [], .null))
        #expect(try EditOperation(wire: json(#"["add",[1.0],5]"#)) == EditOperation(.add, [.index(1)], .number(5)))
    }

    @Test("malformed wire ops are rejected", arguments: [
        #"["append"]"#, #"[]"#, #"{}"#, #""append""#, #"["move",[],1]"#, #"[1,[],1]"#, #"["append","x",1]"#,
        #"["append",[1.5],"x"]"#, #"["append",[null],"x"]"#, #"["append",[[0]],"x"]"#, #"["append",[true],"x"]"#,
    ])
    func malformedWire(text: String) {
        #expect(throws: EditError.self) { try EditOperation(wire: json(text)) }
    }

    @Test func diffGeneratorMatchesGradioOnKnownCases() {
        // Sanity checks of the test's differ against what gradio 4.44.1 emits (see the captures).
        let old = json(#"["",[[{"text":"q"},{"text":"Ech"}]],"sys"]"#)
        let new = json(#"["",[[{"text":"q"},{"text":"Echo f"}]],"sys"]"#)
        #expect(gradioDiff(old, new).map(\.wire.jsonText) == [#"["append",[1,0,1,"text"],"o f"]"#])
        #expect(gradioDiff(json(#""Steps:\n  ""#), json(#""Steps:\no""#)).map(\.wire.jsonText) == [#"["replace",[],"Steps:\no"]"#])
        #expect(gradioDiff(json("[1,2,3]"), json("[1]")).map(\.wire.jsonText) == [#"["delete",[1],null]"#, #"["delete",[2],null]"#])
        #expect(gradioDiff(json(#"{"a":1,"b":2}"#), json(#"{"c":3,"a":1}"#)).map(\.wire.jsonText)
            == [#"["delete",["b"],null]"#, #"["add",["c"],3]"#])
        #expect(gradioDiff(json("1"), json("1.5")).map(\.kind) == [.replace])
        #expect(gradioDiff(json("[]"), json("{}")).map(\.kind) == [.replace])
    }

    @Test("property: applying Gradio's diff(old, new) to old gives new", arguments: [
        (UInt64(1), false), (UInt64(2), false), (UInt64(3), true), (UInt64(4), true), (UInt64(5), true),
    ])
    func diffProperty(seed: UInt64, mutatePairs: Bool) throws {
        var generator = JSONGenerator(rng: SplitMix64(seed: seed))
        var failures = 0
        for iteration in 0..<1500 {
            let old = generator.value(depth: 4)
            var new = mutatePairs ? generator.mutate(old) : generator.value(depth: 4)
            if mutatePairs, generator.chance(0.5) { new = generator.mutate(new) }
            let ops = gradioDiff(old, new)
            // Through the wire: serialize, parse, decode.
            let wireText = JSONValue.array(ops.map(\.wire)).jsonText
            let decoded = try JSONValue.parse(wireText).arrayValue!.map(EditOperation.init(wire:))
            #expect(decoded == ops)
            var value = old
            do {
                try value.apply(decoded)
            } catch {
                failures += 1
                if failures <= 3 {
                    Issue.record("seed \(seed) #\(iteration): \(error)\n old \(old.jsonText)\n new \(new.jsonText)\n ops \(wireText)")
                }
                continue
            }
            let ok = value.isSemanticallyEqual(to: new) && exactlyEqual(value, new)
            if !ok {
                failures += 1
                if failures <= 3 {
                    Issue.record("seed \(seed) #\(iteration): got \(value.jsonText)\n old \(old.jsonText)\n new \(new.jsonText)\n ops \(wireText)")
                }
            }
        }
        #expect(failures == 0)
    }

    @Test func streamingAppendsStayCheap() throws {
        // 20k appends to a deep path; in place mutation keeps this linear.
        var value = json(#"["",[[{"text":"q"},{"text":""}]],"s"]"#)
        let op = EditOperation(.append, [.index(1), .index(0), .index(1), .key("text")], .string("tok "))
        for _ in 0..<20_000 { try value.apply(op) }
        #expect(value[1]?[0]?[1]?["text"]?.stringValue?.utf8.count == 80_000)
    }
}
