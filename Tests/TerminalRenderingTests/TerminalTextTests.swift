import Testing
@testable import TerminalRendering

@Suite("TerminalText: the gate for text on its way to the terminal")
struct TerminalTextTests {
    private let hostile = "a\u{1B}]0;PWNED\u{07}b\u{1B}[2Jc\u{9B}2Jd\u{202E}e\u{2066}f\u{1B}]8;;http://evil\u{1B}\\g"

    @Test("interpolated text is sanitised; the literal parts are kept")
    func interpolation() {
        let text: TerminalText = "\u{1B}[2m\(hostile)\u{1B}[0m"
        #expect(text.text.hasPrefix("\u{1B}[2m") && text.text.hasSuffix("\u{1B}[0m"))
        let inner = text.text.dropFirst(4).dropLast(4)
        #expect(isSafe(String(inner)))
        #expect(!inner.contains("\u{202E}") && !inner.contains("\u{2066}"))
        #expect(inner.contains("<U+202E>") && inner.contains("<U+009B>") && inner.contains("␛]0;PWNED␇"))
    }

    @Test("untrusted text keeps its line breaks; one line does not")
    func lines() {
        #expect(TerminalText(untrusted: "a\nb\tc").text == "a\nb\tc")
        #expect(TerminalText.line("a\nb\tc").text == "a b c")
    }

    @Test("one line is cut by display width, on a character boundary", arguments: [5, 10, 11, 30])
    func width(columns: Int) {
        let line = TerminalText.line("你好世界 \(hostile) 👋🏽 done", width: columns).text
        #expect(DisplayWidth.of(line) <= columns)
        #expect(isSafe(line))
        #expect(line.hasSuffix("…"))
    }

    @Test("bidi controls in a reply are shown, not obeyed")
    func bidiInReplies() {
        var sanitizer = ControlSanitizer()
        let out = sanitizer.sanitize("x\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}y") + sanitizer.finish()
        #expect(out == "x<U+202A><U+202B><U+202C><U+202D><U+202E><U+2066><U+2067><U+2068><U+2069>y")
        #expect(sanitizer.neutralizedCount == 9)
        // Other punctuation around them passes.
        var plain = ControlSanitizer()
        #expect(plain.sanitize("‘quotes’ — dash … \u{2065}") == "‘quotes’ — dash … \u{2065}")
    }
}
