/// Block-level Markdown of a streamed reply, one completed line at a time.
///
/// Markers are hidden: headings lose their `#`s, quotes get a dim bar, bullets become `•`
/// (numbers are kept), fences become a dim language label (or nothing) and the lines between
/// them are highlighted by `CodeLexer`. The only state carried between lines is the open fence
/// (with the lexer's state). `live` renders the unfinished line the same way without changing
/// the state, so the line does not change when it is committed.
struct MarkdownRenderer: Sendable {
    struct Fence: Sendable {
        var char: Character
        var count: Int
        var language: CodeLanguage?
        var lexer: CodeLexer.State
    }

    /// Longer lines are shown as typed (rendering them on every frame would cost too much).
    static let maxLine = 8192

    /// An open table: its rows stay in the live region until it ends (or grows too tall).
    struct Table: Sendable {
        var source: [String]
        var aligns: [TableLayout.Align]
        var rows: [[[StyledRun]]]
        /// Set once the table was too tall to hold: widths frozen, rows committed one by one.
        var frozen: TableLayout?
    }

    /// Table rows held in the live region before the widths are frozen.
    static let maxHeldRows = 15

    var fence: Fence?
    /// A line with a `|` that may be a table header (decided by the next line).
    var candidate: String?
    var table: Table?
    var width = 80

    /// Renders a completed line: the screen lines it becomes (none for a hidden fence, or while
    /// a table is held).
    mutating func commit(_ line: String) -> [[StyledRun]] {
        if fence == nil {
            if var t = table {
                // Moved out, so that appending a row does not copy the rows held so far
                // (which made a long table quadratic in its rows).
                table = nil
                if Self.isTableRow(line) {
                    let cells = TableLayout.cells(line).map { InlineMarkdown.render($0[...]) }
                    if let layout = t.frozen {
                        // Committed row by row: nothing more is kept.
                        table = t
                        return layout.row(cells)
                    }
                    t.source.append(line)
                    t.rows.append(cells)
                    if t.rows.count > Self.maxHeldRows {
                        let layout = TableLayout(aligns: t.aligns, rows: t.rows, width: width)
                        t.frozen = layout
                        table = t
                        return Self.box(t, layout: layout, closed: false)
                    }
                    table = t
                    return []
                }
                return flushTable(t) + commit(line)
            }
            if let header = candidate {
                candidate = nil
                let hcells = TableLayout.cells(header)
                if let aligns = TableLayout.delimiter(line), aligns.count == hcells.count {
                    table = Table(source: [header, line], aligns: aligns,
                                  rows: [hcells.map { InlineMarkdown.render($0[...], base: .bold) }])
                    return []
                }
                return render(header, live: false) + commit(line)
            }
            if Self.isTableRow(line) && line.utf8.count <= Self.maxLine && Self.openingFence(line[...]) == nil {
                candidate = line
                return []
            }
        }
        return render(line, live: false)
    }

    /// What is still held at the end of the reply (an open table or a header candidate).
    mutating func flush() -> [[StyledRun]] {
        if let t = table { table = nil; return flushTable(t) }
        if let c = candidate { candidate = nil; return render(c, live: false) }
        return []
    }

    /// The live region: held lines (raw, pipes dimmed) and the unfinished last line, rendered
    /// as it would look if it ended here.
    func live(_ line: String) -> [[StyledRun]] {
        var held: [String] = []
        if let t = table, t.frozen == nil { held = t.source }
        if let c = candidate { held.append(c) }
        var out = held.map(Self.rawRow)
        let startsRow = line.drop(while: { $0 == " " }).first == "|" && fence == nil
        if (table != nil || candidate != nil || startsRow) && Self.isTableRow(line) {
            out.append(Self.rawRow(line))
        } else if table == nil && candidate == nil {
            var copy = self
            out.append(copy.render(line, live: true).first ?? [])
        } else {
            out.append([StyledRun(line)])
        }
        return out
    }

    /// Prints what is held early, to keep the live region short: an open table gets its
    /// column widths now and goes on row by row; a header candidate is taken as text.
    mutating func releaseHeld() -> [[StyledRun]] {
        if let c = candidate {
            candidate = nil
            return render(c, live: false)
        }
        guard var t = table, t.frozen == nil else { return [] }
        table = nil
        let layout = TableLayout(aligns: t.aligns, rows: t.rows, width: width)
        t.frozen = layout
        table = t
        return Self.box(t, layout: layout, closed: false)
    }

    /// Forgets what is held: it stays on the screen as typed.
    mutating func dropHeld() {
        table = nil
        candidate = nil
    }

    /// The start of a long live line is printed for good (`head`): how it looks, and how the
    /// rest of the line renders from there on. Call `flush()` first: nothing may be held above it.
    func beginContinuation(_ head: String) -> (LineContinuation, [StyledRun]) {
        if var f = fence {
            let runs = CodeLexer.highlight(head, language: f.language, state: &f.lexer)
            return (.code(f.language, f.lexer), runs)
        }
        if head.utf8.count > Self.maxLine || Self.openingFence(head[...]) != nil {
            return (.raw, [StyledRun(head)])
        }
        var copy = self
        let runs = copy.render(head, live: false).first ?? []
        return (.inline(Self.continuationStyle(of: head[...])), runs)
    }

    /// A line whose start was printed early (see `beginContinuation`) is complete: only the
    /// fence state follows from it (it is never held as a table row).
    mutating func noteContinued(_ line: String) {
        if var f = fence {
            if Self.isClosingFence(line[...], char: f.char, count: f.count) {
                fence = nil
            } else {
                _ = CodeLexer.highlight(line, language: f.language, state: &f.lexer)
                fence = f
            }
        } else if let f = Self.openingFence(line[...]) {
            fence = Fence(char: f.char, count: f.count, language: CodeLanguage.named(f.language), lexer: CodeLexer.State())
        }
    }

    /// The style the rest of a line continues in: a heading's (also inside a quote), or none.
    static func continuationStyle(of line: Substring) -> TextStyle {
        var body = line.drop(while: { $0 == " " })
        while body.first == ">" { body = body.dropFirst().drop(while: { $0 == " " }) }
        let hashes = body.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(hashes) else { return [] }
        let rest = body.dropFirst(hashes)
        return rest.isEmpty || rest.first == " " ? .heading : []
    }

    private func flushTable(_ t: Table) -> [[StyledRun]] {
        if let layout = t.frozen { return [layout.bottom()] }
        return Self.box(t, layout: TableLayout(aligns: t.aligns, rows: t.rows, width: width), closed: true)
    }

    private static func box(_ t: Table, layout: TableLayout, closed: Bool) -> [[StyledRun]] {
        var out = [layout.top()]
        for (i, row) in t.rows.enumerated() {
            out += layout.row(row)
            if i == 0 { out.append(layout.separator()) }
        }
        if closed { out.append(layout.bottom()) }
        return out
    }

    static func isTableRow(_ line: String) -> Bool {
        line.contains("|") && line.contains(where: { $0 != " " && $0 != "|" })
    }

    /// A held table row as typed, with its pipes dimmed.
    static func rawRow(_ line: String) -> [StyledRun] {
        var out: [StyledRun] = []
        for c in line { out.add(String(c), c == "|" ? "2" : nil) }
        return out
    }

    /// Code blocks of `text` (fences removed), in order: for `/copy code`.
    static func codeBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        var open: (Character, Int)?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if let o = open {
                if isClosingFence(l, char: o.0, count: o.1) {
                    blocks.append(current!.joined(separator: "\n")); current = nil; open = nil
                } else { current!.append(l) }
            } else if let f = openingFence(l) {
                open = (f.char, f.count); current = []
            }
        }
        if let current { blocks.append(current.joined(separator: "\n")) }
        return blocks
    }

    private mutating func render(_ line: String, live: Bool) -> [[StyledRun]] {
        if var f = fence {
            if Self.isClosingFence(line[...], char: f.char, count: f.count) {
                fence = nil
                return []
            }
            let runs = CodeLexer.highlight(line, language: f.language, state: &f.lexer)
            fence = f
            return [runs]
        }
        if let f = Self.openingFence(line[...]) {
            fence = Fence(char: f.char, count: f.count, language: CodeLanguage.named(f.language), lexer: CodeLexer.State())
            return f.language.isEmpty ? [] : [[StyledRun(f.language, "2")]]
        }
        if line.utf8.count > Self.maxLine { return [[StyledRun(line)]] }
        return [block(line[...], live: live)]
    }

    /// Headings, rules, quotes and list items; everything else is inline text.
    private func block(_ line: Substring, live: Bool) -> [StyledRun] {
        let indent = line.prefix(while: { $0 == " " })
        let body = line.dropFirst(indent.count)
        guard let first = body.first else { return line.isEmpty ? [] : [StyledRun(String(line))] }
        var out: [StyledRun] = []
        out.add(String(indent), nil)
        if first == "#" {
            let hashes = body.prefix(while: { $0 == "#" }).count
            let rest = body.dropFirst(hashes)
            if hashes <= 6 && (rest.isEmpty || rest.first == " ") {
                var title = rest.drop(while: { $0 == " " })
                // An optional closing sequence of #s.
                let trimmed = title.reversed().drop(while: { $0 == " " })
                let closing = trimmed.prefix(while: { $0 == "#" }).count
                if closing > 0, trimmed.count == closing || trimmed.dropFirst(closing).first == " " {
                    title = title.prefix(trimmed.count - closing)
                    while title.last == " " { title = title.dropLast() }
                }
                for r in InlineMarkdown.render(title, base: .heading, live: live) { out.add(r.text, r.sgr) }
                return out
            }
        }
        if first == "-" || first == "*" || first == "_" {
            if body.allSatisfy({ $0 == first || $0 == " " }) && body.filter({ $0 == first }).count >= 3 {
                out.add(String(repeating: "─", count: max(3, min(width - indent.count, 40))), "2")
                return out
            }
        }
        if first == ">" {
            var rest = body
            while rest.first == ">" {
                rest = rest.dropFirst()
                if rest.first == " " { rest = rest.dropFirst() }
                out.add("│ ", "2")
            }
            for r in block(rest, live: live) { out.add(r.text, r.sgr) }
            return out
        }
        if let (marker, rest) = Self.listMarker(body) {
            out.add(marker, TextStyle.marker.sgr)
            for r in InlineMarkdown.render(rest, live: live) { out.add(r.text, r.sgr) }
            return out
        }
        for r in InlineMarkdown.render(body, live: live) { out.add(r.text, r.sgr) }
        return out
    }

    /// `- item` → ("• ", "item"); `12. item` → ("12. ", "item").
    static func listMarker(_ body: Substring) -> (String, Substring)? {
        guard let c = body.first else { return nil }
        if c == "-" || c == "*" || c == "+" {
            let rest = body.dropFirst()
            guard rest.first == " " else { return nil }
            return ("• ", rest.dropFirst())
        }
        let digits = body.prefix(while: { $0.isASCII && $0.isNumber })
        guard (1...9).contains(digits.count) else { return nil }
        let after = body.dropFirst(digits.count)
        guard let d = after.first, d == "." || d == ")", after.dropFirst().first == " " else { return nil }
        return (String(body.prefix(digits.count + 2)), after.dropFirst(2))
    }

    static func openingFence(_ line: Substring) -> (char: Character, count: Int, language: String)? {
        let indent = line.prefix(while: { $0 == " " }).count
        guard indent < 4 else { return nil }
        let body = line.dropFirst(indent)
        guard let first = body.first, first == "`" || first == "~" else { return nil }
        let run = body.prefix(while: { $0 == first }).count
        let info = body.dropFirst(run)
        guard run >= 3, !(first == "`" && info.contains("`")) else { return nil }
        let lang = info.drop(while: { $0 == " " }).prefix(while: { $0 != " " && $0 != "{" && $0 != "," })
        return (first, run, String(lang))
    }

    static func isClosingFence(_ line: Substring, char: Character, count: Int) -> Bool {
        let indent = line.prefix(while: { $0 == " " }).count
        let body = line.dropFirst(indent)
        let run = body.prefix(while: { $0 == char }).count
        return indent < 4 && run >= count && body.dropFirst(run).allSatisfy({ $0 == " " })
    }
}
