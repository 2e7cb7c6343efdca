/// GFM pipe tables drawn as box tables: column widths from the rendered cell text in display
/// columns, `:--:` alignment, long cells wrapped at word boundaries to fit the terminal.
struct TableLayout: Sendable {
    enum Align: Sendable { case left, center, right }

    static let border = "2"

    var aligns: [Align]
    var widths: [Int]

    /// The cells of a row (`| a | b |` or `a | b`); `\|` is a literal pipe.
    static func cells(_ line: String) -> [String] {
        var s = Substring(line).drop(while: { $0 == " " })
        while s.last == " " { s = s.dropLast() }
        if s.first == "|" { s = s.dropFirst() }
        if s.last == "|", !s.hasSuffix("\\|") { s = s.dropLast() }
        var cells: [String] = [], cur = ""
        var prev: Character = " "
        for c in s {
            if c == "|" && prev != "\\" { cells.append(cur); cur = "" } else { cur.append(c) }
            prev = c
        }
        cells.append(cur)
        return cells.map { String($0.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()).replacingPipes() }
    }

    /// A delimiter row (`|---|:--:|`): the alignments, or nil.
    static func delimiter(_ line: String) -> [Align]? {
        guard line.contains("-") else { return nil }
        var out: [Align] = []
        for cell in cells(line) {
            guard !cell.isEmpty, cell.allSatisfy({ $0 == "-" || $0 == ":" }), cell.contains("-") else { return nil }
            guard !cell.dropFirst().dropLast().contains(":") else { return nil }
            let l = cell.first == ":", r = cell.last == ":" && cell.count > 1
            out.append(l && r ? .center : r ? .right : .left)
        }
        return out
    }

    /// Widths that fit `rows` (rendered cells) into `width` columns, widest columns shrunk first.
    init(aligns: [Align], rows: [[[StyledRun]]], width: Int) {
        self.aligns = aligns
        var w = Array(repeating: 1, count: aligns.count)
        for row in rows {
            for (i, cell) in row.prefix(aligns.count).enumerated() { w[i] = max(w[i], Self.width(cell.plain)) }
        }
        let budget = max(aligns.count, width - 3 * aligns.count - 1)
        // Two columns at least where they fit: a wide character (CJK, emoji) in a column of
        // one would push the line past the terminal's edge and wrap it.
        let floor = budget >= 2 * aligns.count ? 2 : 1
        while w.reduce(0, +) > budget, let m = w.indices.max(by: { w[$0] < w[$1] }), w[m] > floor { w[m] -= 1 }
        widths = w
    }

    func top() -> [StyledRun] { rule("┌", "┬", "┐") }
    func separator() -> [StyledRun] { rule("├", "┼", "┤") }
    func bottom() -> [StyledRun] { rule("└", "┴", "┘") }

    private func rule(_ l: String, _ m: String, _ r: String) -> [StyledRun] {
        [StyledRun(l + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: m) + r, Self.border)]
    }

    /// One table row: as many screen lines as its tallest wrapped cell.
    func row(_ cells: [[StyledRun]]) -> [[StyledRun]] {
        let wrapped = widths.indices.map { i in Self.wrap(i < cells.count ? cells[i] : [], width: widths[i]) }
        let height = wrapped.map(\.count).max() ?? 1
        var lines: [[StyledRun]] = []
        for k in 0..<height {
            var line: [StyledRun] = []
            line.add("│", Self.border)
            for (i, cell) in wrapped.enumerated() {
                let part = k < cell.count ? cell[k] : []
                let pad = max(0, widths[i] - Self.width(part.plain))
                let (left, right): (Int, Int)
                switch aligns[i] {
                case .left: (left, right) = (0, pad)
                case .right: (left, right) = (pad, 0)
                case .center: (left, right) = (pad / 2, pad - pad / 2)
                }
                line.add(" " + String(repeating: " ", count: left), nil)
                for r in part { line.add(r.text, r.sgr) }
                line.add(String(repeating: " ", count: right) + " ", nil)
                line.add("│", Self.border)
            }
            lines.append(line)
        }
        return lines
    }

    static func width(_ s: String) -> Int { s.reduce(0) { $0 + DisplayWidth.of($1) } }

    /// Wraps styled text into lines of at most `width` columns, at spaces where possible.
    static func wrap(_ runs: [StyledRun], width: Int) -> [[StyledRun]] {
        var chars: [(Character, String?)] = []
        // A character wider than the whole column (CJK in a column of one) becomes "…": drawn,
        // it would push the row past the terminal's edge.
        for r in runs { for c in r.text { chars.append((DisplayWidth.of(c) > width ? "…" : c, r.sgr)) } }
        var lines: [[(Character, String?)]] = []
        var cur: [(Character, String?)] = []
        var cols = 0
        var i = 0
        while i < chars.count {
            let (c, _) = chars[i]
            let w = DisplayWidth.of(c)
            if cols + w > width && !cur.isEmpty {
                if c == " " { lines.append(cur); cur = []; cols = 0; i += 1; continue }
                if let sp = cur.lastIndex(where: { $0.0 == " " }), sp > 0 {
                    let rest = Array(cur[(sp + 1)...])
                    lines.append(Array(cur[..<sp]))
                    cur = rest
                    cols = rest.reduce(0) { $0 + DisplayWidth.of($1.0) }
                    continue
                }
                lines.append(cur); cur = []; cols = 0
                continue
            }
            cur.append(chars[i]); cols += w; i += 1
        }
        if !cur.isEmpty || lines.isEmpty { lines.append(cur) }
        return lines.map { line in
            var out: [StyledRun] = []
            for (c, s) in line { out.add(String(c), s) }
            return out
        }
    }
}

private extension String {
    func replacingPipes() -> String {
        var out = "", prev: Character = " "
        for c in self {
            if c == "|" && prev == "\\" { out.removeLast() }
            out.append(c); prev = c
        }
        return out
    }
}
