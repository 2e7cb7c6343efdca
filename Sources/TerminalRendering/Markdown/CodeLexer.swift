/// A line-based highlighter for code blocks: keywords, types, strings (with escapes), comments
/// and numbers, driven by a `CodeLanguage` table. The state carried from one line to the next
/// is an open block comment or multi-line string, so a docstring or `/* ... */` spanning lines
/// is styled as one. The text is never changed: only SGR attributes are added.
enum CodeLexer {
    struct State: Sendable, Equatable {
        enum Open: Sendable, Equatable { case none, comment(Int), string(Int) }
        var open: Open = .none
    }

    static let keyword = "35"
    static let type = "33"
    static let string = "32"
    static let comment = "90"
    static let number = "36"
    /// Code in a language we do not know: one colour.
    static let unknown = "36"

    static func highlight(_ line: String, language: CodeLanguage?, state: inout State) -> [StyledRun] {
        guard let lang = language else {
            return line.isEmpty ? [] : [StyledRun(line, unknown)]
        }
        if lang.kind == .diff { return diff(line) }
        let cs = Array(line)
        var out: [StyledRun] = []
        var i = 0
        var inTag = false
        /// Emits cs[i..<end] as one run and moves to `end`.
        func emit(_ end: Int, _ sgr: String?) {
            if end > i { out.add(String(cs[i..<end]), sgr) }
            i = end
        }
        func match(_ s: [Character], at k: Int) -> Bool {
            guard k + s.count <= cs.count else { return false }
            for (n, c) in s.enumerated() where cs[k + n] != c { return false }
            return true
        }
        /// End of a string body starting at k (after the opener), or nil if not closed on this line.
        func stringEnd(_ rule: CodeLanguage.StringRule, from k: Int) -> Int? {
            var j = k
            while j < cs.count {
                if rule.escapes && cs[j] == "\\" { j += 2; continue }
                if match(rule.close, at: j) { return j + rule.close.count }
                j += 1
            }
            return nil
        }
        // Continue what the previous line left open.
        switch state.open {
        case .comment(let n):
            let close = lang.blockComments[n].close
            var j = 0
            while j < cs.count, !match(close, at: j) { j += 1 }
            if j < cs.count { emit(j + close.count, comment); state.open = .none } else { emit(cs.count, comment); return out }
        case .string(let n):
            if let end = stringEnd(lang.strings[n], from: 0) { emit(end, string); state.open = .none } else { emit(cs.count, string); return out }
        case .none: break
        }
        if lang.kind == .keyed, let keyEnd = keyedKey(cs, from: i) { emit(keyEnd, type) }
        scan: while i < cs.count {
            let c = cs[i]
            for (n, b) in lang.blockComments.enumerated() where match(b.open, at: i) {
                var j = i + b.open.count
                while j < cs.count, !match(b.close, at: j) { j += 1 }
                if j < cs.count { emit(j + b.close.count, comment) } else { emit(cs.count, comment); state.open = .comment(n) }
                continue scan
            }
            for lc in lang.lineComments where match(lc, at: i) {
                if lc == ["#"], i > 0, !cs[i - 1].isWhitespace { continue }
                emit(cs.count, comment)
                break scan
            }
            if lang.kind != .markup || inTag {
                for (n, rule) in lang.strings.enumerated() where match(rule.open, at: i) {
                    if let end = stringEnd(rule, from: i + rule.open.count) {
                        var j = end
                        while j < cs.count, cs[j] == " " { j += 1 }
                        let isKey = lang.kind == .json && j < cs.count && cs[j] == ":"
                        emit(end, isKey ? type : string)
                    } else if rule.multiline {
                        emit(cs.count, string); state.open = .string(n)
                    } else {
                        emit(i + rule.open.count, nil)  // an unclosed quote (apostrophe, lifetime) is not a string
                    }
                    continue scan
                }
            }
            if lang.kind == .markup {
                if c == "<" {
                    var j = i + 1
                    if j < cs.count, cs[j] == "/" || cs[j] == "?" || cs[j] == "!" { j += 1 }
                    emit(j, nil)
                    var k = i
                    while k < cs.count, cs[k].isLetter || cs[k].isNumber || cs[k] == "-" || cs[k] == ":" { k += 1 }
                    emit(k, keyword)
                    inTag = true
                    continue
                }
                if c == ">" { inTag = false }
                if !inTag || !(c.isLetter) { emit(i + 1, nil); continue }
            }
            if c.isNumber && c.isASCII {
                var j = i
                while j < cs.count, cs[j].isLetter || cs[j].isNumber || cs[j] == "_" || cs[j] == "." && j + 1 < cs.count && cs[j + 1].isNumber { j += 1 }
                emit(j, number)
                continue
            }
            if c.isLetter || c == "_" || c == "$" || c == "@" {
                var j = i + 1
                while j < cs.count, cs[j].isLetter || cs[j].isNumber || cs[j] == "_" || (lang.kind == .markup && cs[j] == "-") { j += 1 }
                let word = String(cs[i..<j])
                let key = lang.caseInsensitive ? word.lowercased() : word
                if lang.keywords.contains(key) { emit(j, keyword) }
                else if lang.types.contains(key) || (lang.capitalizedTypes && c.isUppercase && word.count > 1) { emit(j, type) }
                else { emit(j, nil) }
                continue
            }
            emit(i + 1, nil)
        }
        return out
    }

    /// `key:` (YAML) or `key =` (TOML) at the start of a line: end of the key.
    private static func keyedKey(_ cs: [Character], from i: Int) -> Int? {
        var j = i
        while j < cs.count, cs[j] == " " { j += 1 }
        if j + 1 < cs.count, cs[j] == "-", cs[j + 1] == " " { j += 2 }
        let start = j
        while j < cs.count, cs[j].isLetter || cs[j].isNumber || "_-.".contains(cs[j]) { j += 1 }
        guard j > start else { return nil }
        var k = j
        while k < cs.count, cs[k] == " " { k += 1 }
        guard k < cs.count, cs[k] == ":" || cs[k] == "=" else {
            // [section] headers in TOML / INI.
            if cs.first == "[" { return cs.count }
            return nil
        }
        return j
    }

    private static func diff(_ line: String) -> [StyledRun] {
        guard !line.isEmpty else { return [] }
        let sgr: String?
        if line.hasPrefix("+++") || line.hasPrefix("---") || line.hasPrefix("diff ") || line.hasPrefix("index ") { sgr = "1" }
        else if line.hasPrefix("@@") { sgr = "36" }
        else if line.hasPrefix("+") { sgr = "32" }
        else if line.hasPrefix("-") { sgr = "31" }
        else { sgr = nil }
        return [StyledRun(line, sgr)]
    }
}
