/// Why a JSON text could not be read; `offset` is the byte where reading stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    /// The text may be valid JSON, but deeper or larger than the parser takes.
    public var exceedsLimit = false
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Parses one JSON text (RFC 8259) from UTF-8 bytes, with two leniencies: invalid UTF-8
    /// inside strings is repaired (U+FFFD) as a browser would, and `NaN`, `Infinity` and
    /// `-Infinity` are numbers, as Python's json module writes them and Gradio passes them on.
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws -> JSONValue {
        if let value = try bytes.withContiguousStorageIfAvailable({ try JSONParser.parse($0) }) { return value }
        return try Array(bytes).withUnsafeBufferPointer { try JSONParser.parse($0) }
    }

    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try JSONParser.parse($0) }
    }
}

/// A recursive-descent parser over a byte buffer. Hostile input is bounded: depth (the
/// stack), the number of values in one document (memory: a million zeros would be 30 MB of
/// tree), and a cancelled task stops a long parse.
struct JSONParser {
    static let maximumDepth = 512
    static let maximumValues = 1_000_000

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    private var valueCount = 0

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected data after the value") }
        return value
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private func error(_ reason: String, exceedsLimit: Bool = false) -> JSONParseError {
        JSONParseError(offset: position, reason: reason, exceedsLimit: exceedsLimit)
    }

    /// The byte at the position, nil at the end.
    private var next: UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = next, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func parseValue() throws -> JSONValue {
        guard let byte = next else { throw error("unexpected end of input") }
        valueCount += 1
        if valueCount > Self.maximumValues { throw error("more than \(Self.maximumValues) values", exceedsLimit: true) }
        if valueCount & 0xFFFF == 0 { try Task.checkCancellation() }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number("NaN")
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number("Infinity")
        default: throw error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[position + i] != literal.utf8Start[i] {
            throw error("invalid literal")
        }
        position += count
    }

    private mutating func parseObject() throws -> JSONValue {
        var object = JSONObject()
        try readContainer(closingWith: UInt8(ascii: "}")) { parser in
            guard parser.next == UInt8(ascii: "\"") else { throw parser.error("expected a member name") }
            let key = try parser.parseString()
            parser.skipWhitespace()
            guard parser.next == UInt8(ascii: ":") else { throw parser.error("expected ':'") }
            parser.position += 1
            parser.skipWhitespace()
            object[key] = try parser.parseValue()
        }
        return .object(object)
    }

    private mutating func parseArray() throws -> JSONValue {
        var elements: [JSONValue] = []
        try readContainer(closingWith: UInt8(ascii: "]")) { parser in elements.append(try parser.parseValue()) }
        return .array(elements)
    }

    /// From the opening `[` or `{` past the closing one, calling `element` at each element or
    /// member (whitespace skipped) and checking the commas between them.
    private mutating func readContainer(closingWith close: UInt8, element: (inout JSONParser) throws -> Void) throws {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth)", exceedsLimit: true) }
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if next == close {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            switch next {
            case UInt8(ascii: ","): position += 1
            case close: position += 1; return
            case nil: throw error("unexpected end of input")
            default: throw error(close == UInt8(ascii: "]") ? "expected ',' or ']'" : "expected ',' or '}'")
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as its text, or `-Infinity`.
    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        if next == UInt8(ascii: "-") {
            position += 1
            if next == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return .number("-Infinity")
            }
        }
        if next == UInt8(ascii: "0") {
            position += 1
            if let byte = next, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { throw error("leading zero") }
        } else {
            try skipDigits("expected a digit")
        }
        if next == UInt8(ascii: ".") {
            position += 1
            try skipDigits("expected a digit after '.'")
        }
        if let byte = next, byte | 0x20 == UInt8(ascii: "e") {
            position += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { position += 1 }
            try skipDigits("expected an exponent")
        }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
    }

    private mutating func skipDigits(_ reason: String) throws {
        let start = position
        while let byte = next, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
        guard position > start else { throw error(reason) }
    }

    /// From the opening quote past the closing one. Control characters must be escaped.
    private mutating func parseString() throws -> String {
        position += 1
        var text: [UInt8] = []
        while true {
            let runStart = position
            while let byte = next, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 { position += 1 }
            let run = UnsafeBufferPointer(rebasing: bytes[runStart..<position])
            guard let byte = next else { throw error("unterminated string") }
            guard byte >= 0x20 else { throw error("control character in a string") }
            if byte == UInt8(ascii: "\"") {
                position += 1
                // Nearly every string Gradio sends has no escapes: it is made straight from the input.
                if text.isEmpty { return String(decoding: run, as: UTF8.self) }
                text.append(contentsOf: run)
                return String(decoding: text, as: UTF8.self)
            }
            text.append(contentsOf: run)
            position += 1
            UTF8.encode(try readEscape()) { text.append($0) }
        }
    }

    /// The character an escape stands for, read after its backslash.
    private mutating func readEscape() throws -> Unicode.Scalar {
        guard let escape = next else { throw error("unterminated escape") }
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

    /// A `\uXXXX` escape, joining surrogate pairs; a lone surrogate becomes U+FFFD.
    private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        let first = try parseHex4()
        guard (0xD800...0xDBFF).contains(first) else { return Unicode.Scalar(first) ?? "\u{FFFD}" }
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
}
