#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The last edit-op path read and its exact bytes. A stream appends to the same path token
/// after token, so the next op usually shares this path's array instead of building its own,
/// and comparing two such paths is a pointer comparison.
struct EditPathMemo: Sendable {
    var bytes: [UInt8] = []
    var path: [JSONPathComponent] = []

    /// Whether `buffer` holds these exact bytes at `position`. A JSON list is self-delimiting,
    /// so equal bytes up to the closing `]` mean an equal list.
    func matches(_ buffer: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        guard !bytes.isEmpty, let base = buffer.baseAddress, buffer.count - position >= bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { memcmp(base + position, $0.baseAddress!, $0.count) == 0 }
    }
}

extension JSONParser {
    /// Reads Gradio's per-output edit-op lists, `[[[op, path, value], ...], ...]`, straight
    /// into edit ops, without building the JSON arrays around them: a streamed token costs a
    /// few small allocations instead of a tree.
    ///
    /// Returns nil with the position unchanged when the value is anything else (or unusual,
    /// such as a path index written `1.0`), so the caller reads it as plain JSON and gets the
    /// same value or error it always would.
    mutating func parseEditLists(memo: inout EditPathMemo) -> [[EditOperation]]? {
        let start = position
        let startDepth = depth
        if let lists = try? readEditLists(memo: &memo) { return lists }
        position = start
        depth = startDepth
        return nil
    }

    private mutating func readEditLists(memo: inout EditPathMemo) throws -> [[EditOperation]]? {
        guard try enterList() else { return nil }
        defer { depth -= 1 }
        var lists: [[EditOperation]] = []
        lists.reserveCapacity(4)
        if endOfEmptyList() { return lists }
        while true {
            guard try enterList() else { return nil }
            var ops: [EditOperation] = []
            if !endOfEmptyList() {
                while true {
                    guard let op = try readEditOperation(memo: &memo) else { return nil }
                    ops.append(op)
                    if try closeList() { break }
                }
            }
            depth -= 1
            lists.append(ops)
            if try closeList() { return lists }
        }
    }

    private mutating func readEditOperation(memo: inout EditPathMemo) throws -> EditOperation? {
        guard try enterList() else { return nil }
        defer { depth -= 1 }
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let name = plainStringBytes(),
              let kind = EditOperation.Kind(name: name)
        else { return nil }
        guard try !closeList() else { return nil }
        guard let path = try readPath(memo: &memo) else { return nil }
        if try closeList() { return EditOperation(kind, path) }
        let value = try parseValue()
        guard try closeList() else { return nil }
        return EditOperation(kind, path, value)
    }

    /// An op's path: the memo's when the bytes are the same (no array is built), else read and
    /// remembered.
    private mutating func readPath(memo: inout EditPathMemo) throws -> [JSONPathComponent]? {
        if memo.matches(bytes, at: position) {
            position += memo.bytes.count
            return memo.path
        }
        let start = position
        guard let path = try readPath() else { return nil }
        memo = EditPathMemo(bytes: Array(UnsafeBufferPointer(rebasing: bytes[start..<position])), path: path)
        return path
    }

    /// `[index or key, ...]`, ending right after its `]`.
    private mutating func readPath() throws -> [JSONPathComponent]? {
        guard try enterList() else { return nil }
        var path: [JSONPathComponent] = []
        path.reserveCapacity(4)
        if !endOfEmptyList() {
            while true {
                guard position < bytes.count else { return nil }
                if bytes[position] == UInt8(ascii: "\"") {
                    path.append(.key(try parseString()))
                } else if let index = readIndex() {
                    path.append(.index(index))
                } else {
                    return nil
                }
                if try closeList() { break }
            }
        }
        depth -= 1
        return path
    }

    /// `[` and the whitespace after it; false (nothing read) when the next byte is not `[`.
    private mutating func enterList() throws -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "[") else { return false }
        try enter()
        position += 1
        skipWhitespace()
        return true
    }

    /// Right after `[`: true (and consumed) when the list is empty.
    private mutating func endOfEmptyList() -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "]") else { return false }
        position += 1
        return true
    }

    /// After a list element: true at `]` (consumed), false after `,` and the whitespace after it.
    private mutating func closeList() throws -> Bool {
        if try closes(with: UInt8(ascii: "]")) { return true }
        skipWhitespace()
        return false
    }

    /// A list index: plain decimal digits that fit an Int, else nil (nothing read).
    private mutating func readIndex() -> Int? {
        var end = position
        var value = 0
        while end < bytes.count, end - position < 18, bytes[end] >= UInt8(ascii: "0"), bytes[end] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[end] - UInt8(ascii: "0"))
            end += 1
        }
        guard end > position, end < bytes.count else { return nil }
        switch bytes[end] {
        case UInt8(ascii: ","), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: break
        default: return nil
        }
        position = end
        return value
    }
}

extension EditOperation.Kind {
    init?(name: UnsafeBufferPointer<UInt8>) {
        if JSONParser.matches(name, "append") {
            self = .append
        } else if JSONParser.matches(name, "replace") {
            self = .replace
        } else if JSONParser.matches(name, "add") {
            self = .add
        } else if JSONParser.matches(name, "delete") {
            self = .delete
        } else {
            return nil
        }
    }
}

extension JSONParser {
    /// Reads edit lists that are one string `append` and nothing else, such as
    /// `[[],[["append",[1,0,"text"],"tok"]],[]]` — a streamed token — appending the string's
    /// text to `text` instead of making a `String` of it. Returns the output's index, the op's
    /// path and where the string is (quotes included).
    ///
    /// Returns nil with the position and `text` unchanged for anything else, and for a string
    /// whose raw bytes are not valid UTF-8 (read alone, it would be repaired, and gathered
    /// with its neighbours it might not be the same).
    mutating func readStringAppend(outputs: Int, memo: inout EditPathMemo, text: inout [UInt8]) -> StringAppend? {
        let start = position
        let startDepth = depth
        let startCount = text.count
        if let found = try? readStringAppendLists(outputs: outputs, memo: &memo, text: &text) { return found }
        position = start
        depth = startDepth
        text.removeSubrange(startCount...)
        return nil
    }

    private mutating func readStringAppendLists(outputs: Int, memo: inout EditPathMemo, text: inout [UInt8]) throws -> StringAppend? {
        guard try enterList(), !endOfEmptyList() else { return nil }
        var found: StringAppend?
        var index = 0
        while true {
            guard try enterList() else { return nil }
            if !endOfEmptyList() {
                guard found == nil, let (path, string) = try readStringAppendOperation(memo: &memo, text: &text),
                      try closeList()
                else { return nil }
                found = StringAppend(index: index, path: path, string: string)
            }
            depth -= 1
            index += 1
            if try closeList() { break }
        }
        depth -= 1
        guard index == outputs else { return nil }
        return found
    }

    private mutating func readStringAppendOperation(memo: inout EditPathMemo, text: inout [UInt8]) throws -> ([JSONPathComponent], Range<Int>)? {
        guard try enterList() else { return nil }
        defer { depth -= 1 }
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let name = plainStringBytes(),
              JSONParser.matches(name, "append"), try !closeList()
        else { return nil }
        guard let path = try readPath(memo: &memo) else { return nil }
        guard try !closeList(), position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        let stringStart = position
        guard try appendString(to: &text) else { return nil }
        let string = stringStart..<position
        guard try closeList() else { return nil }
        return (path, string)
    }
}

/// A token read by `readStringAppend`: which output, where in it, and where its string is.
struct StringAppend {
    var index: Int
    var path: [JSONPathComponent]
    var string: Range<Int>
}
