import Testing
@testable import TerminalRendering

/// Screen-level tests: the bytes go through a real VT emulator (pyte via scripts/vt-screen.py).
@Suite(.enabled(if: VTScreen.enabled, "QWEN_CHAT_SKIP_VT=1"))
struct RendererScreenTests {
    let reply = "The quick brown fox jumps over the lazy dog.\nSecond line is short.\n\nAfter a blank line, a long one that wraps several times at twenty columns"

    @Test func plainAppendsAcrossManyDeltas() throws {
        for every in [1, 3, 17] {
            var s = Session(width: 20)
            s.append(deltas(reply, size: 2), every: every)
            s.finish()
            let screen = try VTScreen.run(s.bytes, cols: 20)
            #expect(screen.content == wrapASCII(reply, cols: 20))
            #expect(screen.cursor.x == 0 && screen.cursor.y == screen.content.count)
            #expect(!screen.cleared)
        }
    }

    @Test func liveStateMidStream() throws {
        var s = Session(width: 20)
        s.append(deltas(String(reply.prefix(70)), size: 3))
        let screen = try VTScreen.run(s.bytes, cols: 20)
        #expect(screen.content == wrapASCII(String(reply.prefix(70)), cols: 20))
    }

    @Test func lineExactlyTheTerminalWidth() throws {
        let exact = String(repeating: "x", count: 20)
        var s = Session(width: 20)
        s.append([String(exact.prefix(10)), String(exact.suffix(10))])  // pending wrap, still live
        s.frame()
        let mid = try VTScreen.run(s.bytes, cols: 20)
        #expect(mid.content == [exact])
        #expect(mid.cursor.y == 0)
        s.renderer.revise(String(repeating: "y", count: 20))  // redraw from the pending-wrap state
        s.frame()
        s.append(["\nnext", " line"])
        s.append(["\n", String(repeating: "z", count: 20), "\n", "end"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 20)
        #expect(screen.content == [String(repeating: "y", count: 20), "next line", String(repeating: "z", count: 20), "end"])
    }

    @Test func wrappingLongLiveLineRedrawn() throws {
        var s = Session(width: 10, color: true, markdown: true)
        let text = "**bold** start " + String(repeating: "word ", count: 12)
        s.append(deltas(text, size: 1), every: 4)
        // A markdown-styled commit redraws the whole wrapped line from its first row.
        s.append(["\n", "tail"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 10)
        #expect(screen.content == wrapASCII("bold start " + String(repeating: "word ", count: 12) + "\ntail", cols: 10))
    }

    @Test func cjkAtWrapBoundary() throws {
        // 9 columns: eight narrow chars leave one column; 中 must wrap to the next row.
        var s = Session(width: 9)
        s.append(["abcdefgh", "中", "文xyz", "中文中文中"])
        s.frame()
        s.renderer.revise("abcdefgh中文xyz中文中文中!")  // forces a full redraw of the wrapped live line
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 9)
        #expect(screen.content == ["abcdefgh", "中文xyz中", "文中文中!"])
        #expect(screen.cursor == (0, 3))
    }

    @Test func emojiClustersSplitAcrossDeltasAtWrapBoundary() throws {
        var s = Session(width: 9)
        // 👍 + 🏽 in separate deltas, ZWJ family in pieces, a flag in halves, keycap and VS16.
        s.append(["abcdefgh", "👍", "🏽", "x", "👨", "\u{200D}👩", "\u{200D}👧", "ab", "🇯", "🇵", "1\u{FE0F}", "\u{20E3}", "❤", "\u{FE0F}", "z"])
        s.frame()
        s.renderer.revise(s.renderer.reply + "!")
        s.frame()
        s.renderer.append("\nok")
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 9)
        #expect(screen.content == ["abcdefgh", "👍🏽x👨‍👩‍👧ab🇯🇵", "1️⃣❤️z!", "ok"])
    }

    @Test func vs16arrivingLaterWidensAndWraps() throws {
        // ❤ fits in the last column; its VS16 arrives in the next delta and makes it wide.
        var s = Session(width: 9)
        s.append(["abcdefgh❤"])
        s.frame()
        s.append(["\u{FE0F}", "ok"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 9)
        #expect(screen.content == ["abcdefgh", "❤️ok"])
    }

    @Test func revisionInsideTheLiveLine() throws {
        var s = Session(width: 20)
        s.append(["First line\n", "Second: the answer is", " 41 and more words here"])
        s.frame()
        s.renderer.revise("First line\nSecond: the answer is 42")
        s.frame()
        s.append([" indeed"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 20)
        #expect(screen.content == ["First line", "Second: the answer i", "s 42 indeed"])
        #expect(!s.bytes.containsSequence(Array("(revised)".utf8)))
    }

    @Test func revisionOfCommittedLines() throws {
        var s = Session(width: 30)
        s.append(["Line one\n", "Line two is wrong\n", "Line three\n", "live part"])
        s.frame()
        s.renderer.revise("Line one\nLine two is right\nLine three\nlive part, longer")
        s.frame()
        s.append([" and more\nLast"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 30)
        let c = screen.content
        let marker = try #require(c.firstIndex(of: "(revised)"))
        #expect(Array(c[..<marker]) == ["Line one", "Line two is wrong", "Line three"])
        #expect(Array(c[(marker + 1)...]) == ["Line two is right", "Line three", "live part, longer and more", "Last"])
    }

    @Test func revisionOfUnprintedLinesNeedsNoMarker() throws {
        var s = Session(width: 30)
        s.append(["A\n", "B\n"])
        s.frame()
        s.renderer.append("C wrong\nD\n")  // committed but not yet printed
        s.renderer.revise("A\nB\nC right\nD\nE")
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 30)
        #expect(screen.content == ["A", "B", "C right", "D", "E"])
    }

    @Test func resizeBetweenUpdatesWithoutReflow() throws {
        var s = Session(width: 20, reflow: false)
        s.append(["Committed line\n", "live text that wraps past twenty"])
        s.frame()
        let offset = s.bytes.count
        s.renderer.resize(width: 12)
        s.frame()
        s.append([" columns"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 20, resizes: [(offset, 12)])
        #expect(Array(screen.content.suffix(4)) == ["live text th", "at wraps pas", "t twenty col", "umns"])
        #expect(screen.content.first == "Committed li")  // xterm truncates, it does not rewrap
    }

    @Test func resizeBetweenUpdatesWithReflow() throws {
        for (from, to) in [(20, 12), (12, 30), (20, 7)] {
            var s = Session(width: from, reflow: true)
            s.append(["Committed\n", "live text that wraps past twenty"])
            s.frame()
            let offset = s.bytes.count
            s.renderer.resize(width: to)
            s.frame()
            s.append([" columns"])
            s.finish()
            let screen = try VTScreen.run(s.bytes, cols: to, resizes: [(offset, to)], reflow: true)
            #expect(screen.content == wrapASCII("Committed\nlive text that wraps past twenty columns", cols: to))
        }
    }

    @Test func statusLineReplacedByReply() throws {
        var s = Session(width: 30, color: true)
        s.renderer.setStatus("queued 3 of 7, ~12s")
        s.frame()
        let first = try VTScreen.run(s.bytes, cols: 30)
        #expect(first.content == ["queued 3 of 7, ~12s"])
        s.renderer.setStatus("generating…")
        s.frame()
        #expect(try VTScreen.run(s.bytes, cols: 30).content == ["generating…"])
        s.append(["Hi"])
        s.renderer.setStatus("ignored now")
        s.frame()
        #expect(try VTScreen.run(s.bytes, cols: 30).content == ["Hi"])
        s.append(["!\n"])
        s.finish()
        #expect(try VTScreen.run(s.bytes, cols: 30).content == ["Hi!"])
    }

    @Test func statusLineClearedWhenReplyIsEmpty() throws {
        var s = Session(width: 30)
        s.renderer.setStatus("generating…")
        s.frame()
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 30)
        #expect(screen.content == [])
        #expect(screen.cursor == (0, 0))
    }

    @Test func injectionSplitAcrossDeltas() throws {
        var s = Session(width: 40, color: true, markdown: true)
        s.append(["safe ", "\u{1B}", "[2J", " \u{1B}]0;", "pwned", "\u{07}", " \u{1B}]52;c;aGk=\u{1B}", "\\",
                  " \u{9B}2J \u{9D}2;t2\u{9C}", "\n\u{1B}c\u{1B}[1A\u{1B}[Kbar\r", "X\n"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 40)
        #expect(!screen.cleared)
        #expect(screen.title == "")
        #expect(screen.content == wrapASCII(
            "safe ␛[2J ␛]0;pwned␇ ␛]52;c;aGk=␛\\ <U+009B>2J <U+009D>2;t2<U+009C>\n␛c␛[1A␛[Kbar␍X", cols: 40))
    }

    @Test func markdownHidesMarkersWithAndWithoutColor() throws {
        let md = "# Title\nSome **bold**, *it*, `code` text.\n```swift\nlet x = 1 // **not bold**\n```\n> quote\n- item\n1. first\n---\nend"
        var styled = Session(width: 60, color: true, markdown: true)
        styled.append(deltas(md, size: 3))
        styled.finish()
        var plain = Session(width: 60, color: false, markdown: true)
        plain.append(deltas(md, size: 3))
        plain.finish()
        let a = try VTScreen.run(styled.bytes, cols: 60)
        let b = try VTScreen.run(plain.bytes, cols: 60)
        #expect(a.content == ["Title", "Some bold, it, code text.", "swift", "let x = 1 // **not bold**", "│ quote", "• item", "1. first",
                              String(repeating: "─", count: 40), "end"])
        #expect(a.content == b.content)
        // The styles, from a reply drawn in one frame (streamed, a run may be drawn in pieces).
        var whole = Session(width: 60, color: true, markdown: true)
        whole.append([md])
        whole.finish()
        #expect(try VTScreen.run(whole.bytes, cols: 60).content == a.content)
        let label = whole.bytes.containsSequence(Array("\u{1B}[2mswift".utf8))
        let comment = whole.bytes.containsSequence(Array("\u{1B}[90m// **not bold**".utf8))
        let bold = whole.bytes.containsSequence(Array("\u{1B}[1mbold\u{1B}[0m".utf8))
        #expect(label && comment && bold)
        #expect(!plain.bytes.containsSGR)
    }

    @Test func tabsExpandToSpaces() throws {
        var s = Session(width: 40)
        s.append(["a\tb", "\tc\n", "\tx"])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 40)
        #expect(screen.content == ["a       b       c", "        x"])
        #expect(!s.bytes.contains(0x09))
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        for i in 0...(count - needle.count) where self[i] == needle[0] {
            if Array(self[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }

    /// Any ESC [ ... m.
    var containsSGR: Bool {
        var i = 0
        while i + 1 < count {
            if self[i] == 0x1B && self[i + 1] == 0x5B {
                var j = i + 2
                while j < count, (0x30...0x3F).contains(self[j]) { j += 1 }
                if j < count && self[j] == 0x6D { return true }
                i = j
            } else { i += 1 }
        }
        return false
    }
}
