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

    var fence: Fence?
    var width = 80

    /// Renders a completed line: the screen lines it becomes (none for a hidden fence).
    mutating func commit(_ line: String) -> [[StyledRun]] {
        render(line, live: false)
    }

    /// Renders the unfinished last line as it would look if it ended here.
    func live(_ line: String) -> [StyledRun] {
        var copy = self
        return copy.render(line, live: true).first ?? []
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
