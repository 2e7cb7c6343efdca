import Testing
@testable import TerminalRendering

/// Rendered Markdown through the VT emulator: markers hidden, code highlighted, same screen
/// whatever the chunking.
@Suite(.enabled(if: VTScreen.enabled, "QWEN_CHAT_SKIP_VT=1"))
struct MarkdownScreenTests {
    static let reply = """
        # Release notes
        Some **bold** and *italic* text with `inline code`, a [link](https://example.com), snake_case, a * b, 2*3*4.
        > A quote with **strong** words
        - first item
        - second item with `code`
        1. numbered
        ```python
        def greet(name):
            \"\"\"Say hello.
            Spans lines.\"\"\"
            return "hi " + name  # comment
        ```
        ```c
        /* block
           comment */
        int main(void) { return 0; }
        ```
        Done 中文 👍.
        """
    static let expected = [
        "Release notes",
        "Some bold and italic text with inline code, a link https://example.com, snake_case, a * b, 2*3*4.",
        "│ A quote with strong words",
        "• first item",
        "• second item with code",
        "1. numbered",
        "python",
        "def greet(name):",
        "    \"\"\"Say hello.",
        "    Spans lines.\"\"\"",
        "    return \"hi \" + name  # comment",
        "c",
        "/* block",
        "   comment */",
        "int main(void) { return 0; }",
        "Done 中文 👍.",
    ]

    func feed(_ text: String, chunks: [Int], framesEvery: Int, width: Int = 120) -> [UInt8] {
        var s = Session(width: width, color: true, markdown: true)
        var rest = Substring(text)
        var k = 0
        while !rest.isEmpty {
            let n = chunks[k % chunks.count]
            s.renderer.append(String(rest.prefix(n)))
            rest = rest.dropFirst(n)
            k += 1
            if k % framesEvery == 0 { s.frame() }
        }
        s.finish()
        return s.bytes
    }

    @Test func committedTextHasNoMarkup() throws {
        let screen = try VTScreen.run(feed(Self.reply, chunks: [3], framesEvery: 1), cols: 120)
        #expect(screen.content == Self.expected)
        for line in screen.content {
            #expect(!line.contains("**") && !line.contains("`") && !line.hasPrefix("#") && !line.hasPrefix(">"), "\(line)")
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func sameScreenForAnyChunking(seed: UInt64) throws {
        var rng = XorShift(state: 0x2545_F491_4F6C_DD1D &* (seed + 1))
        let chunks = (0..<50).map { _ in Int.random(in: 1...12, using: &rng) }
        let every = Int.random(in: 1...4, using: &rng)
        let reference = try VTScreen.run(feed(Self.reply, chunks: [Self.reply.count], framesEvery: 1), cols: 120)
        let screen = try VTScreen.run(feed(Self.reply, chunks: chunks, framesEvery: every), cols: 120)
        #expect(screen.content == reference.content)
        #expect(screen.runs.map { $0.map { "\($0.text)|\($0.attrs)" } } == reference.runs.map { $0.map { "\($0.text)|\($0.attrs)" } })
    }

    @Test func codeSpansCarryDistinctStyles() throws {
        let screen = try VTScreen.run(feed(Self.reply, chunks: [5], framesEvery: 2), cols: 120)
        func attrs(row: Int, of word: String) -> String? {
            screen.runs[row].first(where: { $0.text.contains(word) })?.attrs
        }
        let kw = attrs(row: 7, of: "def"), str = attrs(row: 10, of: "\"hi \""), comment = attrs(row: 10, of: "# comment")
        #expect(kw != nil && str != nil && comment != nil)
        #expect(Set([kw, str, comment]).count == 3)
        // The docstring and the block comment are styled as one across their lines.
        let doc = [8, 9].flatMap { screen.runs[$0].filter { !$0.text.allSatisfy(\.isWhitespace) } }
        #expect(doc.count == 2 && doc.allSatisfy { $0.attrs == str })
        let block = [12, 13].flatMap { screen.runs[$0] }
        #expect(block.count == 2 && block.allSatisfy { $0.attrs == comment })
        // Styles stripped, code lines are the raw code lines.
        let raw = Self.reply.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(screen.content[7...10]) == Array(raw[7...10]))
        #expect(Array(screen.content[12...14]) == Array(raw[13...15]))
    }

    @Test func liveLineIsRenderedAndUnclosedOpenersStayLiteral() throws {
        var s = Session(width: 40, color: true, markdown: true)
        s.append(["Some **bo", "ld** and `co"])
        let mid = try VTScreen.run(s.bytes, cols: 40)
        #expect(mid.content == ["Some bold and `co"])
        s.append(["de` end\n", "## Head"])
        let mid2 = try VTScreen.run(s.bytes, cols: 40)
        #expect(mid2.content == ["Some bold and code end", "Head"])
        s.append(["ing\nlast"])
        s.finish()
        #expect(try VTScreen.run(s.bytes, cols: 40).content == ["Some bold and code end", "Heading", "last"])
    }

    @Test func revisionAndResizeRedrawRenderedLinesOnce() throws {
        var s = Session(width: 20, color: true, markdown: true)
        s.append(["# A\n", "**x** y\n", "live **text** that wraps past"])
        s.frame()
        let offset = s.bytes.count
        #expect(try VTScreen.run(s.bytes, cols: 20).content == ["A", "x y", "live text that wraps", " past"])
        s.renderer.resize(width: 12)
        s.frame()
        let afterResize = try VTScreen.run(s.bytes, cols: 20, resizes: [(offset, 12)], reflow: true)
        #expect(afterResize.everything == ["A", "x y"] + wrapASCII("live text that wraps past", cols: 12))
        s.renderer.revise("# B\n**x** y\nlive **text** that wraps past twelve")
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 20, resizes: [(offset, 12)], reflow: true)
        // The resize made the live line's text final as the terminal rewrapped it (its first
        // rows may have left the screen); the revision reprints from the first changed line.
        #expect(screen.everything == ["A", "x y"] + wrapASCII("live text that wraps past", cols: 12)
            + ["(revised)", "B", "x y"] + wrapASCII("live text that wraps past twelve", cols: 12))
    }
}
