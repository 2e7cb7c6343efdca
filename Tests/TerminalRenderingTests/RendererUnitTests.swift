import Testing
@testable import TerminalRendering

@Suite struct RendererUnitTests {
    @Test func frameIsEmptyWhenNothingChanged() {
        var r = StreamRenderer(options: RenderOptions(width: 20))
        #expect(r.frame().isEmpty)
        r.append("hello")
        let f = r.frame()
        #expect(!f.isEmpty)
        #expect(r.frame().isEmpty)
        r.append("")
        #expect(r.frame().isEmpty)
    }

    @Test func framesAreSynchronizedAndHideTheCursor() {
        var r = StreamRenderer(options: RenderOptions(width: 20))
        r.append("hi")
        let f = r.frame()
        #expect(Array(f.prefix(14)) == Array("\u{1B}[?2026h\u{1B}[?25l".utf8))
        #expect(Array(f.suffix(14)) == Array("\u{1B}[?25h\u{1B}[?2026l".utf8))
    }

    @Test func appendOnlyFramesAreIncremental() {
        var r = StreamRenderer(options: RenderOptions(color: false, width: 20))
        r.append("hello")
        _ = r.frame()
        r.append(" world")
        let f = String(decoding: r.frame(), as: UTF8.self)
        #expect(f == "\u{1B}[?2026h\u{1B}[?25l world\u{1B}[?25h\u{1B}[?2026l")
    }

    @Test func noColorMeansNoSGR() {
        var r = StreamRenderer(options: RenderOptions(color: false, markdown: true, width: 30))
        r.setStatus("waiting")
        var all = r.frame()
        r.append("# H\n**b** `c`\n```py\nx\n```\n")
        all += r.frame()
        r.revise("# H2\nz")
        all += r.frame() + r.finish()
        #expect(!all.containsSGR)
    }

    @Test func finishResetsAndEndsOnFreshLine() {
        var r = StreamRenderer(options: RenderOptions(width: 20))
        r.append("partial")
        _ = r.frame()
        let f = String(decoding: r.finish(), as: UTF8.self)
        #expect(f.contains("\r\n"))
        #expect(f.hasSuffix("\u{1B}[0m\u{1B}[?25h\u{1B}[?2026l"))
    }

    @Test func manyTokensStayFast() {
        // 100k tokens (~1 MB) with a frame every 50 tokens; per-append work must not scan the reply.
        var r = StreamRenderer(options: RenderOptions(color: true, markdown: true, width: 100))
        var bytes = 0
        do {
            for i in 0..<100_000 {
                r.append(i % 23 == 22 ? "line \(i)\n" : "tok\(i % 10) ")
                if i % 50 == 0 { bytes += r.frame().count }
            }
            bytes += r.finish().count
        }
        #expect(r.reply.utf8.count > 500_000)
    }
}

@Suite struct RendererPerformanceTests {
    @Test func markdownHeavyReplyStaysLinear() {
        // 100k tokens of headings, emphasis, code blocks and tables; the per-token work must
        // not grow with the reply (a quadratic renderer would not finish).
        var r = StreamRenderer(options: RenderOptions(color: true, markdown: true, width: 100))
        let cycle = ["# Head **b**\n", "Some *it* and `code` ", "words ", "\n", "```swift\n", "let x = \"s\" // c\n",
                     "/* a\n", "b */\n", "```\n", "| a | b |\n", "|---|---|\n", "| 1 | 二 |\n", "\n"]
        var bytes = 0
        for i in 0..<100_000 {
            r.append(cycle[i % cycle.count])
            if i % 20 == 0 { bytes += r.frame().count }
        }
        bytes += r.finish().count
        #expect(bytes > r.reply.utf8.count / 2)
    }

    @Test func oneHugeLiveLineStaysIncremental() {
        // A 1 MB reply without a newline: append-only frames must not redraw the whole line.
        var r = StreamRenderer(options: RenderOptions(color: true, markdown: true, width: 80))
        var total = 0
        do {
            for i in 0..<100_000 {
                r.append("tok\(i % 10)字 ")
                if i % 50 == 0 { total += r.frame().count }
            }
        }
        #expect(total < 2_500_000)  // ~1 MB of text plus small frame overhead, not O(n²)
    }
}
