/// Text on its way to the terminal. The literal parts of a `TerminalText` are the program's own
/// (its words and its colours) and go out as written; every value interpolated into one is
/// untrusted and goes through `ControlSanitizer`: escape sequences and controls are shown as
/// pictures (`␛]0;…␇`), bidi controls as `<U+202E>`. qwen-chat's outputs take only this and
/// the renderer's bytes, so a string from a Space cannot reach the terminal raw by accident:
/// the unsafe path has to be spelled `TerminalText(trusted:)`.
public struct TerminalText: Sendable, Equatable, ExpressibleByStringInterpolation {
    public private(set) var text: String

    public init(stringLiteral literal: String) {
        text = literal
    }

    public init(stringInterpolation: Interpolation) {
        text = stringInterpolation.text
    }

    /// Untrusted text, its line breaks kept.
    public init(untrusted: String) {
        text = Self.sanitized(untrusted)
    }

    /// Text the program made itself and knows to be safe (bytes it already sanitised).
    public init(trusted: String) {
        text = trusted
    }

    public var isEmpty: Bool { text.isEmpty }

    public static func + (lhs: TerminalText, rhs: TerminalText) -> TerminalText {
        TerminalText(trusted: lhs.text + rhs.text)
    }

    public static func += (lhs: inout TerminalText, rhs: TerminalText) {
        lhs.text += rhs.text
    }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity)
        }

        public mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        /// Untrusted, several lines kept.
        public mutating func appendInterpolation(_ untrusted: String) {
            text += TerminalText.sanitized(untrusted)
        }

        public mutating func appendInterpolation<T: CustomStringConvertible>(_ untrusted: T) {
            text += TerminalText.sanitized(untrusted.description)
        }

        /// Untrusted, on one line of at most `width` columns (cut on a character boundary).
        public mutating func appendInterpolation(line untrusted: String, width: Int = .max) {
            text += TerminalText.line(untrusted, width: width).text
        }

        /// Already safe.
        public mutating func appendInterpolation(_ safe: TerminalText) {
            text += safe.text
        }
    }

    /// Untrusted text on one line: line breaks and tabs become spaces, and it is cut to
    /// `width` columns on a character boundary with "…" (never inside a sequence: by then
    /// every sequence is plain, visible text).
    public static func line(_ untrusted: String, width: Int = .max) -> TerminalText {
        var line = String(sanitized(untrusted).map { $0 == "\n" || $0 == "\t" ? " " : $0 })
        if width < .max, DisplayWidth.of(line) > width {
            var columns = 0
            var cut = line.startIndex
            for index in line.indices {
                let w = DisplayWidth.of(line[index])
                if columns + w > max(width - 1, 0) { break }
                columns += w
                cut = line.index(after: index)
            }
            line = String(line[..<cut]) + "…"
        }
        return TerminalText(trusted: line)
    }

    static func sanitized(_ text: String) -> String {
        var sanitizer = ControlSanitizer()
        return sanitizer.sanitize(text) + sanitizer.finish()
    }
}
