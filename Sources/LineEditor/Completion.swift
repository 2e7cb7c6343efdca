import CLibEdit

/// What a Tab press does, decided without a terminal.
enum CompletionAction: Equatable {
    /// Delete `deleteScalars` Unicode scalars before the cursor, then insert `insert`.
    case replace(deleteScalars: Int, insert: String)
    /// Show the candidates (second Tab with nothing left to complete).
    case list([String])
    /// Nothing to do.
    case beep
}

enum Completion {
    /// The word under the cursor: the characters before `cursor` back to the previous space/tab.
    static func word(in line: String, cursor: Int) -> String {
        let prefix = line.prefix(max(0, cursor))
        let start = prefix.lastIndex(where: { $0 == " " || $0 == "\t" }).map { prefix.index(after: $0) } ?? prefix.startIndex
        return String(prefix[start...])
    }

    static func commonPrefix(_ items: [String]) -> String {
        guard var prefix = items.first.map({ Array($0) }) else { return "" }
        for item in items.dropFirst() {
            let chars = Array(item)
            var n = 0
            while n < prefix.count && n < chars.count && prefix[n] == chars[n] { n += 1 }
            prefix.removeLast(prefix.count - n)
        }
        return String(prefix)
    }

    /// Tab: a single candidate replaces the word (plus a space); several complete their common
    /// prefix; when nothing can be added, the second Tab lists them.
    static func action(line: String, cursor: Int, candidates: [String], secondTab: Bool) -> CompletionAction {
        var seen = Set<String>()
        let unique = candidates.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { return .beep }
        let word = word(in: line, cursor: cursor)
        if unique.count == 1 {
            let only = unique[0]
            if only == word {
                return .replace(deleteScalars: 0, insert: " ")
            }
            return .replace(deleteScalars: word.unicodeScalars.count, insert: only + " ")
        }
        let prefix = commonPrefix(unique)
        if prefix.count > word.count && prefix.hasPrefix(word) {
            return .replace(deleteScalars: word.unicodeScalars.count, insert: prefix)
        }
        return secondTab ? .list(unique) : .beep
    }

    /// Terminal columns a string occupies (wcwidth per scalar; control/unknown counts as 0/1).
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { total, scalar in
            let w = Int(qc_wcwidth(wchar_t(bitPattern: scalar.value)))
            return total + (w < 0 ? 1 : w)
        }
    }

    /// Lays candidates out in columns (column-major, like ls) for a terminal `width` wide.
    static func columns(_ items: [String], width: Int) -> String {
        guard !items.isEmpty else { return "" }
        let colWidth = (items.map(displayWidth).max() ?? 0) + 2
        let perRow = max(1, max(width, colWidth) / colWidth)
        let rows = (items.count + perRow - 1) / perRow
        var out = ""
        for r in 0..<rows {
            var line = ""
            for c in 0..<perRow {
                let i = c * rows + r
                guard i < items.count else { break }
                let item = items[i]
                let isLast = (c + 1) * rows + r >= items.count
                line += item
                if !isLast { line += String(repeating: " ", count: colWidth - displayWidth(item)) }
            }
            out += line + "\n"
        }
        return out
    }
}

enum PromptMarkup {
    /// Wraps every escape sequence (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ESC \`, other
    /// two-byte `ESC x`) between two `ignore` characters so libedit (EL_PROMPT_ESC) does not
    /// count it in the prompt width. Existing `ignore` characters are dropped.
    static func markEscapes(_ prompt: String, ignore: Unicode.Scalar = "\u{1}") -> String {
        let scalars = Array(prompt.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == ignore { i += 1; continue }
            guard s == "\u{1B}" else { out.append(s); i += 1; continue }
            var j = i + 1
            if j < scalars.count && scalars[j] == "[" {
                j += 1
                while j < scalars.count && !(0x40...0x7E).contains(scalars[j].value) { j += 1 }
                j = min(j + 1, scalars.count)
            } else if j < scalars.count && scalars[j] == "]" {
                j += 1
                while j < scalars.count {
                    if scalars[j] == "\u{7}" { j += 1; break }
                    if scalars[j] == "\u{1B}" && j + 1 < scalars.count && scalars[j + 1] == "\\" { j += 2; break }
                    j += 1
                }
            } else {
                j = min(j + 1, scalars.count)
            }
            out.append(ignore)
            out.append(contentsOf: scalars[i..<j])
            out.append(ignore)
            i = j
        }
        return String(out)
    }
}
