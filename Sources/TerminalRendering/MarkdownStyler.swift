/// Line-by-line Markdown highlighting for committed lines.
///
/// It only adds SGR colours around the source characters: the markup (`**`, `#`, fences) stays
/// visible, so the text on screen is exactly the reply text, and a line can be styled the moment
/// it completes, with the only state carried between lines being "inside a code fence".
struct MarkdownStyler: Sendable {
    struct Segment {
        var text: Substring
        var sgr: String?
    }

    /// Open fence: its character (` or ~) and length.
    var fence: (char: Character, count: Int)?

    static let codeBlock = "36"
    static let fenceLine = "2"
    static let fenceLabel = "1;33"
    static let heading = "1;35"
    static let rule = "2"
    static let quoteMarker = "32"
    static let listMarker = "33"
    static let inlineCode = "36"
    static let bold = "1"
    static let italic = "3"

    /// Splits `line` (no trailing newline) into styled segments and advances the fence state.
    mutating func segments(_ line: String) -> [Segment] {
        let indent = line.prefix(while: { $0 == " " }).count
        let body = line.dropFirst(indent)
        if let f = fence {
            let run = body.prefix(while: { $0 == f.char }).count
            if indent < 4 && run >= f.count && body.dropFirst(run).allSatisfy({ $0 == " " }) {
                fence = nil
                return [Segment(text: line[...], sgr: Self.fenceLine)]
            }
            return [Segment(text: line[...], sgr: Self.codeBlock)]
        }
        guard indent < 4, let first = body.first else {
            return line.isEmpty ? [] : [Segment(text: line[...], sgr: indent >= 4 ? Self.codeBlock : nil)]
        }
        if first == "`" || first == "~" {
            let run = body.prefix(while: { $0 == first }).count
            let info = body.dropFirst(run)
            if run >= 3 && !(first == "`" && info.contains("`")) {
                fence = (first, run)
                let split = line.index(line.startIndex, offsetBy: indent + run)
                var segs = [Segment(text: line[..<split], sgr: Self.fenceLine)]
                if !info.isEmpty { segs.append(Segment(text: line[split...], sgr: Self.fenceLabel)) }
                return segs
            }
        }
        if first == "#" {
            let hashes = body.prefix(while: { $0 == "#" }).count
            let after = body.dropFirst(hashes).first
            if hashes <= 6 && (after == nil || after == " ") {
                return [Segment(text: line[...], sgr: Self.heading)]
            }
        }
        if first == "-" || first == "*" || first == "_" {
            if body.allSatisfy({ $0 == first || $0 == " " }) && body.filter({ $0 == first }).count >= 3 {
                return [Segment(text: line[...], sgr: Self.rule)]
            }
        }
        if first == ">" {
            let split = line.index(line.startIndex, offsetBy: indent + 1)
            return [Segment(text: line[..<split], sgr: Self.quoteMarker)] + inline(line[split...])
        }
        if let markerLength = listMarkerLength(body) {
            let split = line.index(line.startIndex, offsetBy: indent + markerLength)
            return [Segment(text: line[..<split], sgr: Self.listMarker)] + inline(line[split...])
        }
        return inline(line[...])
    }

    private func listMarkerLength(_ body: Substring) -> Int? {
        let chars = Array(body.prefix(12))
        guard let c = chars.first else { return nil }
        if c == "-" || c == "*" || c == "+" {
            return (chars.count == 1 || chars[1] == " ") ? 1 : nil
        }
        var i = 0
        while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
        if i > 0 && i <= 9 && i < chars.count && (chars[i] == "." || chars[i] == ")")
            && (i + 1 == chars.count || chars[i + 1] == " ") {
            return i + 1
        }
        return nil
    }

    /// `code`, **bold**, *italic* / _italic_ (markers kept and coloured with their span).
    private func inline(_ text: Substring) -> [Segment] {
        var segs: [Segment] = []
        var plainStart = text.startIndex
        var i = text.startIndex
        func flush(to end: String.Index) {
            if plainStart < end { segs.append(Segment(text: text[plainStart..<end], sgr: nil)) }
        }
        while i < text.endIndex {
            let c = text[i]
            if c == "`" {
                let run = text[i...].prefix(while: { $0 == "`" })
                var j = run.endIndex
                var closed: String.Index?
                while j < text.endIndex {
                    if text[j] == "`" {
                        let r = text[j...].prefix(while: { $0 == "`" })
                        if r.count == run.count { closed = r.endIndex; break }
                        j = r.endIndex
                    } else {
                        j = text.index(after: j)
                    }
                }
                if let end = closed {
                    flush(to: i)
                    segs.append(Segment(text: text[i..<end], sgr: Self.inlineCode))
                    i = end; plainStart = end
                } else {
                    i = run.endIndex
                }
                continue
            }
            if c == "*" || c == "_" {
                let run = text[i...].prefix(while: { $0 == c })
                let n = min(run.count, 2)
                let opener = text[i..<text.index(i, offsetBy: n)]
                let afterOpen = opener.endIndex
                let leftOK = c == "*" || i == text.startIndex
                    || !(text[text.index(before: i)].isLetter || text[text.index(before: i)].isNumber)
                if leftOK, afterOpen < text.endIndex, text[afterOpen] != " ",
                   let close = text[afterOpen...].range(of: String(opener)), close.lowerBound > afterOpen {
                    flush(to: i)
                    segs.append(Segment(text: text[i..<close.upperBound], sgr: n == 2 ? Self.bold : Self.italic))
                    i = close.upperBound; plainStart = i
                    continue
                }
                i = run.endIndex
                continue
            }
            i = text.index(after: i)
        }
        flush(to: text.endIndex)
        return segs
    }
}

extension Substring {
    /// Plain substring search (Foundation-free).
    func range(of needle: String) -> Range<String.Index>? {
        let n = Array(needle)
        guard let f = n.first else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i] == f {
                var j = i, k = 0
                while k < n.count, j < endIndex, self[j] == n[k] { j = index(after: j); k += 1 }
                if k == n.count { return i..<j }
            }
            i = index(after: i)
        }
        return nil
    }
}
