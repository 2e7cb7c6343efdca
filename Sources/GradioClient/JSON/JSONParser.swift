#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a JSON text could not be read; `offset` is the byte where reading stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Parses one JSON text from UTF-8 bytes. Invalid UTF-8 inside strings is repaired
    /// (U+FFFD) rather than rejected, as a browser would.
    public static func parse<Bytes: Collection>(_ bytes: Bytes) throws -> JSONValue where Bytes.Element == UInt8 {
        if let result = try bytes.withContiguousStorageIfAvailable({ buffer in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }) {
            return result
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }
    }

    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }
    }
}

/// A recursive-descent parser over a byte buffer; depth is bounded so hostile input cannot
/// exhaust the stack.
struct JSONParser {
    static let maximumDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected data after the value") }
        return value
    }

    func error(_ reason: String) -> JSONParseError {
        JSONParseError(offset: position, reason: reason)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        // Python's json module writes these for non-finite floats; Gradio passes them through.
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number("NaN")
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number("Infinity")
        default: throw error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("unexpected end of input") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[position + i] != start[i] {
            throw error("invalid literal")
        }
        position += count
    }

    mutating func enter() throws {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth)") }
    }

    private mutating func parseObject() throws -> JSONValue {
        var object = JSONObject()
        try readMembers { parser, name in
            object[String(decoding: name, as: UTF8.self)] = try parser.parseValue()
        }
        return .object(object)
    }

    private mutating func parseArray() throws -> JSONValue {
        var elements: [JSONValue] = []
        try readElements { parser in elements.append(try parser.parseValue()) }
        return .array(elements)
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        try scanNumber()
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
    }

    /// Reads past a number (or `-Infinity`), checking its grammar.
    mutating func scanNumber() throws {
        if bytes[position] == UInt8(ascii: "-") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return
            }
        }
        let digitsStart = position
        skipDigits()
        guard position > digitsStart else { throw error("expected a digit") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            skipDigits()
            guard position > fractionStart else { throw error("expected a digit after '.'") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            let exponentStart = position
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            guard position > exponentStart else { throw error("expected an exponent") }
        }
    }

    /// Moves past ASCII digits, eight at a time while there are eight (Gradio's durations have
    /// about twenty, in every token).
    @inline(__always)
    private mutating func skipDigits() {
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while bytes.count - position >= 8 {
                let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                // Every byte 0x30...0x39: high nibble 3, and adding 6 leaves it 3.
                guard word & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030,
                      (word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030
                else { break }
                position += 8
            }
        }
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    mutating func parseString() throws -> String {
        var scratch: [UInt8] = []
        var plain: UnsafeBufferPointer<UInt8>?
        try readString(
            plain: { plain = $0 },
            segment: { scratch.append(contentsOf: $0) },
            escape: { UTF8.encode($0) { scratch.append($0) } }
        )
        // Nearly every string Gradio sends has no escapes: it is made straight from the input.
        if let plain { return String(decoding: plain, as: UTF8.self) }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Reads a string, appending its text to `text` as UTF-8 (escapes decoded), as long as its
    /// raw bytes are valid UTF-8; false otherwise (`parseString` would repair them). What it
    /// appends is exactly the UTF-8 of the `String` that `parseString` makes.
    mutating func appendString(to text: inout [UInt8]) throws -> Bool {
        var valid = true
        try readString(
            plain: { run in
                valid = Self.isValidUTF8(run)
                if valid { text.append(contentsOf: run) }
            },
            segment: { run in
                guard valid, Self.isValidUTF8(run) else { valid = false; return }
                text.append(contentsOf: run)
            },
            escape: { scalar in if valid { UTF8.encode(scalar) { text.append($0) } } }
        )
        return valid
    }

    /// Reads the string at the position (its opening quote) in runs: `plain` gets the whole
    /// text of a string without escapes; otherwise `segment` gets each run between escapes and
    /// `escape` each escape's character. Runs are found with memchr, and the closing quote is
    /// searched for once per quote, not once per escape, so many escapes stay linear.
    @inline(__always)
    private mutating func readString(
        plain: (UnsafeBufferPointer<UInt8>) -> Void,
        segment: (UnsafeBufferPointer<UInt8>) -> Void,
        escape: (Unicode.Scalar) -> Void
    ) throws {
        guard let base = bytes.baseAddress else { throw error("unterminated string") }
        position += 1
        var quote = -1
        var escaped = false
        while true {
            if quote < position {
                guard position < bytes.count,
                      let found = memchr(base + position, Int32(UInt8(ascii: "\"")), bytes.count - position)
                else { throw error("unterminated string") }
                quote = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            }
            let backslash = memchr(base + position, Int32(UInt8(ascii: "\\")), quote - position)
            let end = backslash.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? quote
            let run = UnsafeBufferPointer(rebasing: bytes[position..<end])
            if backslash == nil, !escaped {
                plain(run)
                position = quote + 1
                return
            }
            if !run.isEmpty { segment(run) }
            position = end + 1
            guard backslash != nil else { return }
            escaped = true
            escape(try readEscape())
        }
    }

    /// Whether `bytes` are well-formed UTF-8 (the Unicode definition, which `String(decoding:)`
    /// repairs by).
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        // ASCII eight bytes at a time: most tokens are nothing else.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while count - index >= 8, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
        }
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard count - index >= length, (low...high).contains(bytes[index + 1]) else { return false }
            for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 { return false }
            index += length
        }
        return true
    }

    // MARK: Skipping

    /// Reads past one value without building it, accepting and rejecting exactly what
    /// `parseValue` does; for fields a caller does not need.
    mutating func skipValue() throws {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try readMembers { parser, _ in try parser.skipValue() }
        case UInt8(ascii: "["): try readElements { parser in try parser.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
        case UInt8(ascii: "N"): try expectLiteral("NaN")
        case UInt8(ascii: "I"): try expectLiteral("Infinity")
        default: throw error("unexpected character")
        }
    }

    /// Reads a list element by element; `body` reads each element.
    mutating func readElements(_ body: (inout JSONParser) throws -> Void) throws {
        guard try open(closingWith: UInt8(ascii: "]")) else { return }
        defer { depth -= 1 }
        repeat {
            skipWhitespace()
            try body(&self)
        } while try !closes(with: UInt8(ascii: "]"))
    }

    /// Reads an object member by member, handing each member's name to `body`, which must
    /// read or skip the value.
    mutating func readMembers(_ body: (inout JSONParser, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard try open(closingWith: UInt8(ascii: "}")) else { return }
        defer { depth -= 1 }
        repeat {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error("expected a member name")
            }
            var escapedName: String?
            let plainName = plainStringBytes()
            if plainName == nil { escapedName = try parseString() }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            skipWhitespace()
            if let plainName {
                try body(&self, plainName)
            } else {
                try escapedName!.withUTF8 { try body(&self, $0) }
            }
        } while try !closes(with: UInt8(ascii: "}"))
    }

    /// The opening `[` or `{`: one level deeper (the caller leaves it), or false, with nothing
    /// left open, when the container is empty.
    private mutating func open(closingWith close: UInt8) throws -> Bool {
        try enter()
        position += 1
        skipWhitespace()
        guard position < bytes.count, bytes[position] == close else { return true }
        position += 1
        depth -= 1
        return false
    }

    /// After an element or member: true at `close` (consumed), false after `,` (consumed);
    /// throws otherwise.
    mutating func closes(with close: UInt8) throws -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: ","):
            position += 1
            return false
        case close:
            position += 1
            return true
        default:
            throw error(close == UInt8(ascii: "]") ? "expected ',' or ']'" : "expected ',' or '}'")
        }
    }

    /// A value; a string equal to one of `candidates` shares that string's storage instead of
    /// allocating its own.
    mutating func parseValue(interning candidates: [String]) throws -> JSONValue {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "\""), let text = plainStringBytes() {
            if let known = candidates.first(where: { Self.matches(text, text: $0) }) { return .string(known) }
            position = start
        }
        return try parseValue()
    }

    /// Whether `bytes` are exactly the UTF-8 of `string`.
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ string: StaticString) -> Bool {
        guard string.utf8CodeUnitCount == bytes.count else { return false }
        let stored = string.utf8Start
        for index in 0..<bytes.count where stored[index] != bytes[index] { return false }
        return true
    }

    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, text string: String) -> Bool {
        guard string.utf8.count == bytes.count else { return false }
        if let equal = string.utf8.withContiguousStorageIfAvailable({ stored in
            bytes.isEmpty || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }) {
            return equal
        }
        var string = string
        return string.withUTF8 { stored in
            for index in 0..<bytes.count where stored[index] != bytes[index] { return false }
            return true
        }
    }

    /// Reads past a string, checking its escapes as `parseString` does.
    mutating func skipString() throws {
        position += 1
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"):
                position += 1
                _ = try readEscape()
            default:
                position += 1
            }
        }
        throw error("unterminated string")
    }

    /// The bytes of a string without escapes (nil, position unchanged, when it has any), so a
    /// member name can be matched without making a `String`.
    mutating func plainStringBytes() -> UnsafeBufferPointer<UInt8>? {
        let start = position + 1
        guard start < bytes.count, let base = bytes.baseAddress,
              let quote = memchr(base + start, Int32(UInt8(ascii: "\"")), bytes.count - start)
        else { return nil }
        let end = UnsafeRawPointer(quote) - UnsafeRawPointer(base)
        if end > start, memchr(base + start, Int32(UInt8(ascii: "\\")), end - start) != nil { return nil }
        position = end + 1
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// The character an escape stands for, read after its backslash.
    private mutating func readEscape() throws -> Unicode.Scalar {
        guard position < bytes.count else { throw error("unterminated escape") }
        let escape = bytes[position]
        position += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(escape)
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"): return try parseUnicodeEscape()
        default: throw error("invalid escape")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// A `\uXXXX` escape, joining surrogate pairs; a lone surrogate becomes U+FFFD.
    private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        let first = try parseHex4()
        if (0xD800...0xDBFF).contains(first) {
            if bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                let saved = position
                position += 2
                let second = try parseHex4()
                if (0xDC00...0xDFFF).contains(second) {
                    return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
                }
                position = saved
            }
            return "\u{FFFD}"
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

}
