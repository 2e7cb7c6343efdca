#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shape of the last token a job read the long way, to read the next ones by comparison.
///
/// Gradio writes every token of a reply the same way: the same bytes up to the token's string
/// (message kind, event id, the other outputs' empty lists, the op and its path) and the same
/// bytes after it except for numbers (`duration`, `average_duration`). So a token that has
/// exactly the last one's bytes before its string, a valid string, and the last one's bytes
/// after it with valid numbers where it had numbers, parses exactly as the last one did: the
/// same output, the same path, all else validated. Anything else does not fit, and the token
/// is read the long way (which makes the next template).
struct TokenTemplate {
    /// Everything up to and including the string's opening quote.
    private let head: [UInt8]
    /// Everything after the string's closing quote, with the numbers taken out.
    private let tail: [UInt8]
    private let pieces: [Piece]
    /// Where the token's string goes.
    let index: Int
    let path: [JSONPathComponent]

    private enum Piece {
        case literal(Range<Int>)
        case number
    }

    /// - Parameters:
    ///   - message: a token that was read and validated in full.
    ///   - string: the range of its string, quotes included.
    init(message: UnsafeBufferPointer<UInt8>, string: Range<Int>, index: Int, path: [JSONPathComponent]) {
        head = Array(message[0...string.lowerBound])
        self.index = index
        self.path = path
        var tail: [UInt8] = []
        var pieces: [Piece] = []
        var literalStart = 0
        var parser = JSONParser(UnsafeBufferPointer(rebasing: message[string.upperBound...]))
        var inString = false
        while parser.position < parser.bytes.count {
            let byte = parser.bytes[parser.position]
            if inString {
                if byte == UInt8(ascii: "\\") { parser.position += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                parser.position += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = true
                parser.position += 1
                continue
            }
            guard byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else {
                parser.position += 1
                continue
            }
            let numberStart = parser.position
            tail.append(contentsOf: UnsafeBufferPointer(rebasing: parser.bytes[literalStart..<numberStart]))
            if numberStart > literalStart { pieces.append(.literal((tail.count - (numberStart - literalStart))..<tail.count)) }
            // The message was valid, so this is a whole number token.
            if (try? parser.scanNumber()) == nil { parser.position = numberStart + 1 }
            pieces.append(.number)
            literalStart = parser.position
        }
        let end = parser.bytes.count
        if end > literalStart {
            tail.append(contentsOf: UnsafeBufferPointer(rebasing: parser.bytes[literalStart..<end]))
            pieces.append(.literal((tail.count - (end - literalStart))..<tail.count))
        }
        self.tail = tail
        self.pieces = pieces
    }

    /// Appends the token's text to `text` when `message` fits the template; false (and `text`
    /// as it was) when it does not.
    func read(_ message: UnsafeBufferPointer<UInt8>, into text: inout [UInt8]) -> Bool {
        guard message.count > head.count + tail.count, let base = message.baseAddress,
              head.withUnsafeBufferPointer({ memcmp(base, $0.baseAddress!, $0.count) == 0 })
        else { return false }
        var parser = JSONParser(message)
        parser.position = head.count - 1
        let before = text.count
        guard (try? parser.appendString(to: &text)) == true, fits(&parser) else {
            if text.count != before { text.removeSubrange(before...) }
            return false
        }
        return true
    }

    /// Whether the rest of the message, from the parser's position, is the template's tail.
    private func fits(_ parser: inout JSONParser) -> Bool {
        tail.withUnsafeBufferPointer { tail in
            for piece in pieces {
                switch piece {
                case .literal(let range):
                    guard parser.bytes.count - parser.position >= range.count,
                          memcmp(parser.bytes.baseAddress! + parser.position, tail.baseAddress! + range.lowerBound, range.count) == 0
                    else { return false }
                    parser.position += range.count
                case .number:
                    guard parser.position < parser.bytes.count else { return false }
                    let byte = parser.bytes[parser.position]
                    guard byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")),
                          (try? parser.scanNumber()) != nil
                    else { return false }
                }
            }
            return parser.position == parser.bytes.count
        }
    }
}
