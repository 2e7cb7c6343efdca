import Testing
@testable import TerminalRendering

/// Pipe tables: held raw in the live region while open, committed once as a box table.
@Suite(.enabled(if: VTScreen.enabled, "QWEN_CHAT_SKIP_VT=1"))
struct TableScreenTests {
    static let reply = """
        Prices:
        | Fruit | 名前 | Price |
        |:------|:----:|------:|
        | **Apple** | 苹果 | 1.20 |
        | Kiwi 🥝 | キウイ | 10 |
        | `Fig` | 无花果 | 3 |

        After the table.
        """

    func run(_ text: String, width: Int, chunk: Int = 4) throws -> (VTScreen, [UInt8]) {
        var s = Session(width: width, color: true, markdown: true)
        s.append(deltas(text, size: chunk))
        s.finish()
        return (try VTScreen.run(s.bytes, cols: width, rows: 100), s.bytes)
    }

    func width(_ s: String) -> Int { s.reduce(0) { $0 + DisplayWidth.of($1) } }

    @Test func committedAsABoxWithEqualRowWidths() throws {
        let (screen, _) = try run(Self.reply, width: 60)
        let c = screen.content
        #expect(c.first == "Prices:")
        #expect(c.last == "After the table.")
        let box = c.filter { $0.hasPrefix("┌") || $0.hasPrefix("│") || $0.hasPrefix("├") || $0.hasPrefix("└") }
        #expect(box.count == 7)
        #expect(Set(box.map(width)).count == 1)
        #expect(!c.contains { $0.contains("---") || $0.contains("**") || $0.contains("`") })
        #expect(box.contains("│ Apple   │  苹果  │  1.20 │"))  // left, centre, right
        #expect(box.contains("│ Kiwi 🥝 │ キウイ │    10 │"))
        #expect(box[0] == "┌─────────┬────────┬───────┐")
    }

    @Test func openTableStaysRawInTheLiveRegion() throws {
        var s = Session(width: 60, color: true, markdown: true)
        s.append(["| a | **b**"])  // a header row is raw from its first character: no flash when held
        #expect(try VTScreen.run(s.bytes, cols: 60).content == ["| a | **b**"])
        s.renderer.revise("| a | b |\n|---|---|\n| 1 | 2")
        s.frame()
        let mid = try VTScreen.run(s.bytes, cols: 60)
        #expect(mid.content == ["| a | b |", "|---|---|", "| 1 | 2"])
        s.append([" |\ntext\n"])
        s.finish()
        let end = try VTScreen.run(s.bytes, cols: 60)
        #expect(end.content == ["┌───┬───┐", "│ a │ b │", "├───┼───┤", "│ 1 │ 2 │", "└───┴───┘", "text"])
    }

    @Test func longCellsWrapAtWordsToFitTheTerminal() throws {
        let text = "| Term | Meaning |\n|---|---|\n| x | a fairly long explanation that cannot fit in the width |\n"
        let (screen, _) = try run(text, width: 30)
        let rows = screen.content
        #expect(rows.allSatisfy { width($0) <= 30 })
        #expect(Set(rows.map(width)).count == 1)
        #expect(rows.contains { $0.contains("fairly long") })
        // Words are not cut.
        let words = rows.flatMap { $0.split(whereSeparator: { " │┌┐└┘├┤┬┴┼─".contains($0) }) }
        #expect(words.contains("explanation"))
    }

    @Test func tallTableFreezesWidthsAndCommitsRowByRow() throws {
        var text = "| n | square |\n|--:|---|\n"
        for i in 1...40 { text += "| \(i) | \(i * i) |\n" }
        text += "end"
        let (screen, _) = try run(text, width: 40)
        let c = screen.content
        #expect(c.filter { $0.hasPrefix("┌") }.count == 1 && c.filter { $0.hasPrefix("└") }.count == 1)
        #expect(c.filter { $0.hasPrefix("│") }.count == 41)
        #expect(c.last == "end")
        #expect(c.contains("│ 40 │ 1600   │"))  // frozen widths: "square" stays the widest
    }

    @Test func pipeLinesThatAreNotTablesStayText() throws {
        let (screen, _) = try run("a | b\nnot a delimiter\n| x |\n", width: 40)
        #expect(screen.content == ["a | b", "not a delimiter", "| x |"])
    }

    @Test(arguments: [1, 2, 3])
    func sameScreenForAnyChunking(seed: UInt64) throws {
        var rng = XorShift(state: 0xDEAD_BEEF &* (seed + 7))
        let reference = try run(Self.reply, width: 60, chunk: Self.reply.count).0
        var s = Session(width: 60, color: true, markdown: true)
        var rest = Substring(Self.reply)
        while !rest.isEmpty {
            let n = Int.random(in: 1...9, using: &rng)
            s.renderer.append(String(rest.prefix(n)))
            rest = rest.dropFirst(n)
            if Bool.random(using: &rng) { s.frame() }
        }
        s.finish()
        #expect(try VTScreen.run(s.bytes, cols: 60).content == reference.content)
    }
}

@Suite("TableLayout: narrow terminals")
struct TableLayoutNarrowTests {
    // Found by the table fuzz target: five columns in 24 columns shrank one to width 1, and
    // "你" (two columns) pushed the row one column past the edge.
    @Test("a wide character in a shrunken column stays inside the width", arguments: [21, 24, 26, 30])
    func wideCharacter(width: Int) {
        let rows = [["a", "你", "- x -", "--", "long cell text here"], ["1", "你好", "3", "4", "5"]]
            .map { $0.map { InlineMarkdown.render($0[...]) } }
        let layout = TableLayout(aligns: Array(repeating: .left, count: 5), rows: rows, width: width)
        var lines = [layout.top(), layout.separator(), layout.bottom()]
        for row in rows { lines += layout.row(row) }
        for line in lines {
            #expect(TableLayout.width(line.plain) <= width, "\(line.plain)")
        }
    }
}
