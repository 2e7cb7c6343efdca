import Testing
@testable import TerminalRendering

/// A live block taller than the screen: whatever scrolls off is final, so the scrollback holds
/// every line once (with the height known; see RenderOptions.height).
@Suite(.enabled(if: VTScreen.enabled, "QWEN_CHAT_SKIP_VT=1"))
struct TallReplyScreenTests {
    static let paragraph = (0..<90).map { "word\($0) " }.joined() + "end."

    @Test(arguments: [(40, 12), (100, 40), (80, 24), (13, 5)])
    func longParagraphAppearsOnce(cols: Int, rows: Int) throws {
        for markdown in [false, true] {
            var s = Session(width: cols, height: rows, color: markdown, markdown: markdown)
            let text = "Intro line.\n" + Self.paragraph + Self.paragraph + "\nAfter."
            s.append(deltas(text, size: 5))
            s.finish()
            let screen = try VTScreen.run(s.bytes, cols: cols, rows: rows)
            #expect(screen.everything == wrapASCII(text, cols: cols), "markdown \(markdown)")
            #expect(!screen.cleared)
        }
    }

    @Test func midStreamTheLiveRegionFitsTheScreen() throws {
        var s = Session(width: 30, height: 10)
        s.append(deltas(Self.paragraph, size: 3))
        let screen = try VTScreen.run(s.bytes, cols: 30, rows: 10)
        #expect(screen.everything == wrapASCII(Self.paragraph, cols: 30))
        // What can still be redrawn is at most half the screen.
        #expect(s.renderer.painter.cursor.row < 5)
    }

    @Test func markdownAcrossTheCutKeepsItsStyles() throws {
        // Short emphasis, links and code spans all along a long line: the cut falls between them.
        let unit = "Some **bold** and *it* with `code` and [a link](http://x.y) here. "
        let text = "# " + String(repeating: "Heading ", count: 20) + "\n" + String(repeating: unit, count: 30) + "\nend"
        var tall = Session(width: 50, color: true, markdown: true)
        tall.append(deltas(text, size: 4))
        tall.finish()
        var short = Session(width: 50, height: 9, color: true, markdown: true)
        short.append(deltas(text, size: 4))
        short.finish()
        let expected = try VTScreen.run(tall.bytes, cols: 50, rows: 200)
        let screen = try VTScreen.run(short.bytes, cols: 50, rows: 9)
        #expect(screen.everything == expected.content)
        #expect(!screen.everything.joined().contains("**"))
    }

    @Test func longTableIsNotLeftTwice() throws {
        var text = "| n | name |\n|---|---|\n"
        // Cells of one width: the widths frozen early fit every row.
        for i in 10..<50 { text += "| \(i) | row\(i) |\n" }
        text += "after"
        var s = Session(width: 40, height: 12, color: true, markdown: true)
        s.append(deltas(text, size: 6))
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 40, rows: 12)
        for i in 10..<50 {
            #expect(screen.everything.filter { $0.contains(" row\(i) ") }.count == 1, "row\(i)")
        }
        #expect(screen.everything.last == "after")
        #expect(screen.everything.first?.hasPrefix("┌") == true)
    }

    @Test(arguments: [true, false])
    func resizeMidReplyKeepsEachWordOnce(reflow: Bool) throws {
        var s = Session(width: 60, height: 16, reflow: reflow)
        let text = (0..<180).map { "word\($0) " }.joined() + "end."
        let pieces = deltas(text, size: 4)
        s.append(Array(pieces.prefix(pieces.count / 2)))
        let at = s.bytes.count
        s.renderer.resize(width: 40)
        s.frame()
        s.append(Array(pieces.dropFirst(pieces.count / 2)))
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 60, rows: 16, resizes: [(at, 40)], reflow: reflow)
        let joined = screen.everything.joined()
        if reflow {
            #expect(joined.filter { $0 != " " } == text.filter { $0 != " " })
        } else {
            // xterm cuts the rows on the screen at the new width; what is drawn after is whole, once.
            let letters = joined.filter { $0 != " " }
            let tail = text[text.range(of: "word100 ")!.lowerBound...].filter { $0 != " " }
            #expect(letters.hasSuffix(tail))
            let before = letters.dropLast(tail.count)
            #expect(!before.contains("word150") && !before.contains("word179") && !before.contains("end."))
        }
    }

    @Test(arguments: [false, true])
    func textNotDrawnYetAtAResizeIsDrawnAfterIt(markdown: Bool) throws {
        var s = Session(width: 40, height: 12, color: markdown, markdown: markdown)
        s.append(deltas(Self.paragraph, size: 5))
        s.renderer.append(" not drawn before the resize,")
        let at = s.bytes.count
        s.renderer.resize(width: 30)
        s.append([" and after it."])
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 40, rows: 12, resizes: [(at, 30)], reflow: true)
        let text = Self.paragraph + " not drawn before the resize, and after it."
        #expect(screen.everything.joined().filter { $0 != " " } == text.filter { $0 != " " })
    }

    @Test func revisingASettledLineReprintsItBelowAMarker() throws {
        var s = Session(width: 30, height: 8)
        s.append(deltas(Self.paragraph, size: 6))
        s.frame()
        let fixed = "Fixed. " + Self.paragraph
        s.renderer.revise(fixed)
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 30, rows: 8)
        let marker = screen.everything.firstIndex(of: "(revised)")
        #expect(marker != nil)
        if let marker {
            // Printed for good before the revision: the start of the old text, once.
            let before = screen.everything[..<marker].joined()
            #expect(!before.isEmpty && wrapASCII(Self.paragraph, cols: 30).joined().hasPrefix(before))
            #expect(Array(screen.everything[(marker + 1)...]) == wrapASCII(fixed, cols: 30))
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func randomLongStreams(seed: UInt64) throws {
        var rng = XorShift(state: 0x2545_F491_4F6C_DD1D &* (seed + 1))
        let cols = [7, 11, 20, 33][Int(seed % 4)]
        let rows = [4, 6, 9][Int(seed % 3)]
        let pieces = RendererFuzzTests.pieces.filter { $0 != "\n" } + ["word ", "word ", "**b** ", "`c` "]
        for markdown in [false, true] {
            var s = Session(width: cols, height: rows, markdown: markdown)
            var text = ""
            for _ in 0..<300 {
                var delta = ""
                for _ in 0..<Int.random(in: 1...6, using: &rng) { delta += pieces.randomElement(using: &rng)! }
                if Int.random(in: 0..<40, using: &rng) == 0 { delta += "\n" }
                text += delta
                s.renderer.append(delta)
                if Int.random(in: 0..<3, using: &rng) == 0 { s.frame() }
            }
            s.finish()
            var tall = Session(width: cols, markdown: markdown)
            tall.append([text])
            tall.finish()
            let screen = try VTScreen.run(s.bytes, cols: cols, rows: rows)
            let expected = try VTScreen.run(tall.bytes, cols: cols, rows: 2000)
            #expect(screen.everything == expected.content, "markdown \(markdown)")
        }
    }
}

/// Found in review: a resize or a revision between two frames, around a line that ended.
@Suite(.enabled(if: VTScreen.enabled, "QWEN_CHAT_SKIP_VT=1"))
struct BetweenFramesTests {
    @Test(arguments: [true, false])
    func aNewlineThenAResizeBeforeTheFrame(reflow: Bool) throws {
        var s = Session(width: 40, height: 12, reflow: reflow)
        s.append(["hello wor"])
        s.renderer.append("ld\nnext")
        let at = s.bytes.count
        s.renderer.resize(width: 30)
        s.frame()
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 40, rows: 12, resizes: [(at, 30)], reflow: reflow)
        #expect(screen.everything == ["hello world", "next"])
    }

    @Test func aRevisionThenAResizeBeforeTheFrame() throws {
        var s = Session(width: 40, height: 12)
        s.append(["hello wor"])
        s.renderer.revise("HELLO")
        let at = s.bytes.count
        s.renderer.resize(width: 30)
        s.frame()
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 40, rows: 12, resizes: [(at, 30)], reflow: true)
        #expect(screen.everything == ["HELLO"])
    }

    @Test func aRevisionRightAfterASettledLineEnded() throws {
        var s = Session(width: 30, height: 8)
        let long = TallReplyScreenTests.paragraph
        s.append(deltas(long, size: 6))
        s.renderer.append("\nnext")
        s.renderer.revise("Changed. " + long + "\nnext")
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: 30, rows: 8)
        let all = screen.everything
        let marker = all.firstIndex(of: "(revised)")
        #expect(marker != nil, "\(all)")
        if let marker {
            #expect(Array(all[(marker + 1)...]) == wrapASCII("Changed. " + long + "\nnext", cols: 30))
        }
    }
}
