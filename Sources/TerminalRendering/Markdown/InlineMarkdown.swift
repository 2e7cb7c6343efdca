/// Inline Markdown of one line: code spans, emphasis, strong, strikethrough, links, escapes.
///
/// Emphasis follows CommonMark's delimiter-run rules (left/right-flanking, `_` not intraword,
/// the rule of three), with one deliberate exception: a `*` run between two digits is literal,
/// so `2*3*4` stays arithmetic. `live` marks the line as still streaming: an opener that is not
/// closed yet is shown as dim literal text instead of raw, so nothing jumps when it closes.
enum InlineMarkdown {
    private enum Node {
        case text(String, TextStyle)
        /// An emphasis delimiter run: its character, characters left, original length.
        case delim(Character, left: Int, orig: Int, canOpen: Bool, canClose: Bool)
        case runs([StyledRun])
    }

    static func render(_ line: Substring, base: TextStyle = [], live: Bool = false) -> [StyledRun] {
        let cs = Array(line)
        var nodes: [Node] = []
        var styles: [TextStyle] = []  // per node, added by emphasis
        var text = ""
        func flush() {
            if !text.isEmpty { nodes.append(.text(text, [])); text = "" }
        }
        var i = 0
        while i < cs.count {
            let c = cs[i]
            if c == "\\", i + 1 < cs.count, cs[i + 1].isASCII, cs[i + 1].isPunctuation || cs[i + 1].isSymbol {
                text.append(cs[i + 1]); i += 2; continue
            }
            if c == "`" {
                var n = 0
                while i + n < cs.count, cs[i + n] == "`" { n += 1 }
                if let close = findBackticks(cs, from: i + n, count: n) {
                    flush()
                    var code = String(cs[(i + n)..<close])
                    if code.count >= 2, code.first == " ", code.last == " ", code.contains(where: { $0 != " " }) {
                        code = String(code.dropFirst().dropLast())
                    }
                    nodes.append(.text(code, .code))
                    i = close + n
                } else {
                    flush()
                    nodes.append(.text(String(repeating: "`", count: n), live ? .dim : []))
                    i += n
                }
                continue
            }
            if c == "[", let (end, label, url) = link(cs, at: i) {
                flush()
                var runs = render(label[...], base: base.union(.link), live: live)
                if label != url {
                    runs.add(" ", base.sgr)
                    runs.add(url, base.union(.dim).sgr)
                }
                nodes.append(.runs(runs))
                i = end
                continue
            }
            if c == "<", let end = autolink(cs, at: i) {
                flush()
                nodes.append(.text(String(cs[(i + 1)..<(end - 1)]), .link))
                i = end
                continue
            }
            if c == "*" || c == "_" || c == "~" {
                var n = 0
                while i + n < cs.count, cs[i + n] == c { n += 1 }
                let before: Character? = i > 0 ? cs[i - 1] : nil
                let after: Character? = i + n < cs.count ? cs[i + n] : nil
                let ws = { (x: Character?) in x == nil || x!.isWhitespace }
                let punct = { (x: Character?) in x != nil && (x!.isPunctuation || x!.isSymbol) }
                let leftF = !ws(after) && (!punct(after) || ws(before) || punct(before))
                let rightF = !ws(before) && (!punct(before) || ws(after) || punct(after))
                var open = leftF, close = rightF
                if c == "_" {
                    open = leftF && (!rightF || punct(before))
                    close = rightF && (!leftF || punct(after))
                } else if c == "*", before?.isASCII == true, before!.isNumber, after?.isASCII == true, after!.isNumber {
                    open = false; close = false
                } else if c == "~", n != 2 {
                    open = false; close = false
                }
                flush()
                nodes.append(.delim(c, left: n, orig: n, canOpen: open, canClose: close))
                i += n
                continue
            }
            text.append(c)
            i += 1
        }
        flush()
        styles = Array(repeating: [], count: nodes.count)
        processEmphasis(&nodes, &styles)
        var out: [StyledRun] = []
        for (k, node) in nodes.enumerated() {
            let st = base.union(styles[k])
            switch node {
            case let .text(t, s): out.add(t, st.union(s).sgr)
            case let .delim(ch, left, orig, canOpen, _):
                let dim = live && canOpen && left == orig
                out.add(String(repeating: ch, count: left), (dim ? st.union(.dim) : st).sgr)
            case let .runs(r):
                for run in r {
                    // Emphasis around a link adds to the link's own attributes.
                    let extra = styles[k].subtracting(base)
                    if extra.isEmpty { out.add(run.text, run.sgr) } else { out.add(run.text, merge(run.sgr, extra)) }
                }
            }
        }
        return out
    }

    private static func merge(_ sgr: String?, _ extra: TextStyle) -> String? {
        guard let e = extra.sgr else { return sgr }
        guard let sgr else { return e }
        return sgr + ";" + e
    }

    /// CommonMark "process emphasis": match closers with the nearest compatible opener.
    private static func processEmphasis(_ nodes: inout [Node], _ styles: inout [TextStyle]) {
        var cur = 0
        // CommonMark's openers_bottom: where a failed search for this kind of closer stopped,
        // so a line of unmatched closers stays linear.
        var bottom: [String: Int] = [:]
        while cur < nodes.count {
            guard case let .delim(c, cl, corig, cOpen, cClose) = nodes[cur], cClose, cl > 0 else { cur += 1; continue }
            let key = "\(c)\(cOpen)\(corig % 3)"
            var found: Int?
            var j = cur - 1
            while j > (bottom[key] ?? -1) {
                if case let .delim(oc, ol, oorig, oOpen, oClose) = nodes[j], oc == c, oOpen, ol > 0 {
                    let three = (oClose || cOpen) && (oorig + corig) % 3 == 0 && !(oorig % 3 == 0 && corig % 3 == 0)
                    let tildeOK = c != "~" || (ol == 2 && cl == 2)
                    if !three && tildeOK { found = j; break }
                }
                j -= 1
            }
            guard let o = found, case let .delim(_, ol, oorig, oOpen, oClose) = nodes[o] else {
                bottom[key] = cur - 1
                if !cOpen { nodes[cur] = .delim(c, left: cl, orig: corig, canOpen: false, canClose: false) }
                cur += 1
                continue
            }
            let use = c == "~" ? 2 : (ol >= 2 && cl >= 2 ? 2 : 1)
            let style: TextStyle = c == "~" ? .strike : (use == 2 ? .bold : .italic)
            for k in (o + 1)..<cur { styles[k].formUnion(style) }
            // Delimiters between them can no longer match.
            for k in (o + 1)..<cur {
                if case let .delim(x, l, or, _, _) = nodes[k] { nodes[k] = .delim(x, left: l, orig: or, canOpen: false, canClose: false) }
            }
            nodes[o] = .delim(c, left: ol - use, orig: oorig, canOpen: oOpen, canClose: oClose)
            nodes[cur] = .delim(c, left: cl - use, orig: corig, canOpen: cOpen, canClose: cClose)
            if cl - use == 0 { cur += 1 }
        }
    }

    private static func findBackticks(_ cs: [Character], from: Int, count n: Int) -> Int? {
        var j = from
        while j < cs.count {
            if cs[j] == "`" {
                var m = 0
                while j + m < cs.count, cs[j + m] == "`" { m += 1 }
                if m == n { return j }
                j += m
            } else { j += 1 }
        }
        return nil
    }

    /// `[label](url)` or `[label](url "title")`: end index, label, url.
    private static func link(_ cs: [Character], at i: Int) -> (Int, String, String)? {
        var depth = 0, j = i
        var close: Int?
        let limit = min(cs.count, i + 1000)  // link texts are short; keeps a line of `[` linear
        while j < limit {
            if cs[j] == "\\" { j += 2; continue }
            if cs[j] == "`" { break }
            if cs[j] == "[" { depth += 1 }
            if cs[j] == "]" { depth -= 1; if depth == 0 { close = j; break } }
            j += 1
        }
        guard let close, close + 1 < cs.count, cs[close + 1] == "(" else { return nil }
        var k = close + 2
        var url = ""
        let end = min(cs.count, k + 2000)
        while k < end, cs[k] != ")", cs[k] != " " { url.append(cs[k]); k += 1 }
        if k < end, cs[k] == " " {  // optional title
            while k < end, cs[k] != ")" { k += 1 }
        }
        guard k < end, cs[k] == ")", !url.isEmpty else { return nil }
        let label = String(cs[(i + 1)..<close])
        return (k + 1, label.isEmpty ? url : label, url)
    }

    /// `<scheme://...>` autolink: end index.
    private static func autolink(_ cs: [Character], at i: Int) -> Int? {
        var j = i + 1
        var s = ""
        while j < cs.count, cs[j] != ">", cs[j] != " ", cs[j] != "<" { s.append(cs[j]); j += 1 }
        guard j < cs.count, cs[j] == ">", s.hasPrefix("http://") || s.hasPrefix("https://") || s.hasPrefix("mailto:") else { return nil }
        return j + 1
    }
}
