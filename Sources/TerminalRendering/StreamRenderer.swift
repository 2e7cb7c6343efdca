/// How a reply is drawn.
public struct RenderOptions: Sendable, Equatable {
    /// Emit SGR colours (off: not a single SGR byte is written).
    public var color: Bool
    /// Highlight Markdown in committed lines (only has a visible effect with `color`).
    public var markdown: Bool
    /// Terminal width in columns; wrapping is predicted from display widths, never queried.
    public var width: Int
    /// Whether the terminal rewraps its rows on resize (kitty, WezTerm, VTE, iTerm2, Windows
    /// Terminal do; xterm does not). Decides where the live region starts after `resize`.
    public var terminalReflowsOnResize: Bool
    /// Text of the line printed before a corrected copy of already committed lines.
    public var revisedMarker: String

    public init(color: Bool = true, markdown: Bool = true, width: Int = 80,
                terminalReflowsOnResize: Bool = true, revisedMarker: String = "(revised)") {
        self.color = color
        self.markdown = markdown
        self.width = max(1, width)
        self.terminalReflowsOnResize = terminalReflowsOnResize
        self.revisedMarker = revisedMarker
    }
}

/// Renders one streamed reply in place: state + update -> bytes.
///
/// Commit-and-live: every line ended by `\n` is styled and printed once and never touched
/// again; only the unfinished last line (the live region) is redrawn, from its first row,
/// which is found by counting the rows it occupies from display widths. The caller owns
/// stdout, the clock (how often `frame()` is called) and SIGWINCH (`resize`). The cursor is
/// assumed to be at the start of a fresh line before the first frame.
public struct StreamRenderer: Sendable {
    /// A line committed since the last frame, waiting to be printed.
    enum Pending: Sendable {
        case marker
        /// `onScreen`: its prefix is already drawn as the live region; `tail` is the rest.
        case line(plain: String, styled: [UInt8]?, tail: String, onScreen: Bool)
        /// The screen lines one committed source line became (Markdown rendering; may be none).
        case rendered([[StyledRun]])
    }

    struct Pos: Sendable {
        var row = 0
        var col = 0
        /// Advances by one cluster of width `w` with autowrap at `cols` (a cluster that does not
        /// fit moves to the next row; a full row keeps the cursor on it: pending wrap).
        mutating func advance(_ w: Int, cols: Int) {
            guard w > 0 else { return }
            if col + w > cols && col > 0 { row += 1; col = 0 }
            col += w
        }
    }

    public private(set) var options: RenderOptions

    // Reply text, raw, for `revise`.
    var reply = ""
    /// UTF-8 offset in `reply` just after the last `\n` (start of the live line).
    var liveRawStart = 0
    var sanitizer = ControlSanitizer()
    var markdown = MarkdownRenderer()
    /// The rendered live line as drawn in the live region; nil when it shows raw text.
    var liveShown: [StyledRun]? = []
    var hasText = false

    // Live line: sanitized, tabs expanded.
    var liveText = ""
    /// Suffix of `liveText` not drawn yet.
    var liveTail = ""
    var liveOnScreen = false
    var lineCols = 0
    var pos = Pos()
    var prevPos = Pos()
    var lastWidth = 0

    var pending: [Pending] = []
    /// Lines committed so far / printed so far.
    var committedCount = 0
    var printedCount = 0

    // What the live region shows now.
    var status: String?
    var statusShown: String?
    /// Row of the cursor relative to the first row of the live region.
    var regionRow = 0
    var regionHasContent = false
    var forceRewind = false
    var everEmitted = false

    public init(options: RenderOptions) {
        self.options = options
    }

    // MARK: updates

    /// Appends a model delta (raw, unsanitised). O(delta).
    public mutating func append(_ text: String) {
        guard !text.isEmpty else { return }
        let base = reply.utf8.count
        reply.append(text)
        var i = 0
        for b in text.utf8 {
            i += 1
            if b == 0x0A { liveRawStart = base + i }
        }
        ingest(sanitizer.sanitize(text))
    }

    /// The Space rewrote earlier text: `fullText` is the whole reply now.
    public mutating func revise(_ fullText: String) {
        let old = reply.utf8, new = fullText.utf8
        var p = 0
        var oi = old.startIndex, ni = new.startIndex
        while oi != old.endIndex, ni != new.endIndex, old[oi] == new[ni] {
            p += 1; oi = old.index(after: oi); ni = new.index(after: ni)
        }
        if p == old.count && p == new.count { return }
        // Back up to a scalar boundary (a shared lead byte with different continuations).
        while p > 0, p < new.count, (new[new.index(new.startIndex, offsetBy: p)] & 0xC0) == 0x80 { p -= 1 }
        if p == old.count {  // pure extension
            append(String(fullText.unicodeScalars[scalarIndex(fullText, utf8Offset: p)...]))
            return
        }
        if p >= liveRawStart {
            // Only the live line changed: rebuild it from its raw start.
            reply = fullText
            restartLive(fromRawOffset: liveRawStart)
            return
        }
        // Committed lines changed. Lines before the one containing the first difference stay.
        var k = 0, lineStart = 0, j = 0
        for b in new.prefix(p) {
            j += 1
            if b == 0x0A { k += 1; lineStart = j }
        }
        reply = fullText
        // Fence state at line k: replay lines 0..<k of the new text (revisions are rare).
        var s = ControlSanitizer()
        var st = MarkdownRenderer()
        st.width = options.width
        let head = s.sanitize(String(fullText.unicodeScalars[..<scalarIndex(fullText, utf8Offset: lineStart)]))
        if options.markdown {
            var cols = 0
            var line = ""
            for ch in head {
                if ch == "\n" { _ = st.commit(line); line = ""; cols = 0 }
                else if ch == "\t" { let n = 8 - cols % 8; line += String(repeating: " ", count: n); cols += n }
                else { line.append(ch); cols += DisplayWidth.of(ch) }
            }
        }
        markdown = st
        if k >= printedCount {
            // The changed lines were never printed: drop them silently.
            pending.removeLast(min(pending.count, committedCount - k))
        } else {
            pending.removeAll()
            pending.append(.marker)
            printedCount = k
        }
        committedCount = k
        restartLive(fromRawOffset: lineStart)
    }

    /// Status shown before the first token (e.g. "queued 3 of 7, ~12s"); nil removes it.
    /// Ignored once reply text has arrived: the reply replaces it in place.
    public mutating func setStatus(_ line: String?) {
        guard !hasText else { return }
        if let line {
            var s = ControlSanitizer()
            var clean = s.sanitize(line) + s.finish()
            clean = String(clean.map { $0 == "\n" || $0 == "\t" ? " " : $0 })
            // Keep it to one row.
            var cols = 0, cut = clean.endIndex
            for i in clean.indices {
                let w = DisplayWidth.of(clean[i])
                if cols + w > options.width { cut = i; break }
                cols += w
            }
            status = String(clean[..<cut])
        } else {
            status = nil
        }
    }

    /// Status lines before the first token, each cut to one row: a heading and, under it, the
    /// last lines of the reasoning as it streams. Ignored once reply text has arrived.
    public mutating func setStatus(lines: [String]) {
        guard !hasText else { return }
        status = lines.map { TerminalText.line($0, width: max(options.width - 1, 1)).text }.joined(separator: "\r\n")
    }

    /// The terminal is now `width` columns wide. The live region is redrawn; where it starts
    /// depends on `options.terminalReflowsOnResize` (see docs/rendering.md).
    public mutating func resize(width: Int) {
        let w = max(1, width)
        guard w != options.width else { return }
        if regionHasContent && options.terminalReflowsOnResize {
            regionRow = Self.lastRow(of: onScreenText(), cols: w)
        }
        options.width = w
        // Re-measure the live line at the new width.
        var p = Pos(), prev = Pos()
        for ch in liveText { prev = p; p.advance(DisplayWidth.of(ch), cols: w) }
        pos = p; prevPos = prev
        forceRewind = true
    }

    // MARK: output

    /// Bytes that bring the screen from the last frame to the current state; [] if nothing changed.
    public mutating func frame() -> [UInt8] {
        let wantStatus = hasText ? nil : status
        let dirty = forceRewind || !pending.isEmpty || !liveTail.isEmpty || wantStatus != statusShown
            || (!liveText.isEmpty && !liveOnScreen)
        guard dirty else { return [] }
        var out: [UInt8] = []
        out.append(contentsOf: "\u{1B}[?2026h\u{1B}[?25l".utf8)
        if forceRewind { rewind(&out) }
        forceRewind = false
        for entry in pending {
            switch entry {
            case .marker:
                rewind(&out)
                if options.color {
                    out.append(contentsOf: "\u{1B}[2m\(options.revisedMarker)\u{1B}[0m".utf8)
                } else {
                    out.append(contentsOf: options.revisedMarker.utf8)
                }
            case let .line(plain, styled, tail, onScreen):
                if onScreen && regionHasContent && styled == nil {
                    out.append(contentsOf: tail.utf8)
                } else {
                    rewind(&out)
                    out.append(contentsOf: styled ?? Array(plain.utf8))
                }
                printedCount += 1
            case let .rendered(lines):
                printedCount += 1
                if lines.isEmpty { rewind(&out); continue }
                for runs in lines {
                    if !(regionHasContent && statusShown == nil && liveShown == runs) {
                        rewind(&out)
                        out.append(contentsOf: runs.bytes(color: options.color))
                    }
                    out.append(contentsOf: "\r\n".utf8)
                    regionHasContent = false
                    regionRow = 0
                    liveShown = []
                }
                continue
            }
            out.append(contentsOf: "\r\n".utf8)
            regionHasContent = false
            regionRow = 0
            liveShown = []
        }
        pending.removeAll()
        if let wantStatus {
            if statusShown != wantStatus {
                rewind(&out)
                if options.color {
                    out.append(contentsOf: "\u{1B}[2m\(wantStatus)\u{1B}[0m".utf8)
                } else {
                    out.append(contentsOf: wantStatus.utf8)
                }
                statusShown = wantStatus
                regionHasContent = !wantStatus.isEmpty
                regionRow = Self.lastRow(of: wantStatus, cols: options.width)
            }
        } else {
            if statusShown != nil { rewind(&out) }
            if options.markdown && liveText.utf8.count <= MarkdownRenderer.maxLine {
                markdown.width = options.width
                var want: [StyledRun] = []
                for (i, line) in markdown.live(liveText).enumerated() {
                    if i > 0 { want.append(StyledRun("\r\n")) }
                    for r in line { want.add(r.text, r.sgr) }
                }
                if let shown = liveShown, let ext = want.extensionBytes(of: shown, color: options.color) {
                    out.append(contentsOf: ext)
                } else {
                    rewind(&out)
                    out.append(contentsOf: want.bytes(color: options.color))
                }
                let plain = want.plain
                liveShown = want
                liveTail = ""
                liveOnScreen = true
                regionHasContent = !plain.isEmpty
                regionRow = Self.lastRow(of: plain, cols: options.width)
            } else if liveOnScreen && regionHasContent && liveShown == nil {
                out.append(contentsOf: liveTail.utf8)
            } else {
                rewind(&out)
                out.append(contentsOf: liveText.utf8)
            }
            if !(options.markdown && liveText.utf8.count <= MarkdownRenderer.maxLine) {
                liveShown = nil
                liveTail = ""
                liveOnScreen = true
                regionHasContent = !liveText.isEmpty
                regionRow = pos.row
            }
        }
        out.append(contentsOf: "\u{1B}[?25h\u{1B}[?2026l".utf8)
        everEmitted = true
        return out
    }

    /// Final frame: everything committed, cursor at the start of a fresh line, attributes reset
    /// (with `color` off no SGR is ever sent, so there is nothing to reset).
    public mutating func finish() -> [UInt8] {
        ingest(sanitizer.finish())
        if !liveText.isEmpty { commitLine() }
        if options.markdown {
            let held = markdown.flush()
            if !held.isEmpty { pending.append(.rendered(held)); committedCount += 1 }
        }
        status = nil
        hasText = true
        var out = frame()
        if !out.isEmpty && options.color {
            out.insert(contentsOf: "\u{1B}[0m".utf8, at: out.count - "\u{1B}[?25h\u{1B}[?2026l".utf8.count)
        }
        return out
    }

    // MARK: internals

    /// Erases the live region: back to its first row, clear to the end of the screen.
    mutating func rewind(_ out: inout [UInt8]) {
        defer { liveShown = [] }
        guard regionHasContent || statusShown != nil || liveOnScreen else { return }
        if regionHasContent {
            out.append(0x0D)
            if regionRow > 0 { out.append(contentsOf: "\u{1B}[\(regionRow)A".utf8) }
            out.append(contentsOf: "\u{1B}[J".utf8)
        }
        regionHasContent = false
        regionRow = 0
        statusShown = nil
        liveOnScreen = false
        // Everything in the live line is undrawn again.
        liveTail = liveText
        for i in pending.indices {
            if case let .line(plain, styled, _, true) = pending[i] {
                pending[i] = .line(plain: plain, styled: styled, tail: plain, onScreen: false)
            }
        }
    }

    /// The text the live region currently shows (before this frame).
    func onScreenText() -> String {
        if let statusShown { return statusShown }
        for entry in pending {
            if case let .line(plain, _, tail, true) = entry {
                return String(plain.unicodeScalars.dropLast(tail.unicodeScalars.count))
            }
        }
        if let shown = liveShown, regionHasContent { return shown.plain }
        if liveOnScreen { return String(liveText.unicodeScalars.dropLast(liveTail.unicodeScalars.count)) }
        return ""
    }

    /// Row of the end of `text` (lines separated by "\r\n") drawn from the start of a row.
    static func lastRow(of text: String, cols: Int) -> Int {
        var row = 0
        var p = Pos()
        for ch in text {
            if ch == "\r\n" { row += p.row + 1; p = Pos() } else { p.advance(DisplayWidth.of(ch), cols: cols) }
        }
        return row + p.row
    }

    static func endPos(of text: String, cols: Int) -> Pos {
        var p = Pos()
        for ch in text { p.advance(DisplayWidth.of(ch), cols: cols) }
        return p
    }

    func scalarIndex(_ s: String, utf8Offset: Int) -> String.Index {
        s.utf8.index(s.utf8.startIndex, offsetBy: utf8Offset)
    }

    /// Throws away the live line and re-reads the raw reply from `offset` (a line start).
    mutating func restartLive(fromRawOffset offset: Int) {
        liveText = ""
        liveTail = ""
        lineCols = 0
        pos = Pos(); prevPos = Pos(); lastWidth = 0
        forceRewind = true
        sanitizer = ControlSanitizer()
        liveRawStart = offset
        let suffix = String(reply.unicodeScalars[scalarIndex(reply, utf8Offset: offset)...])
        var i = offset
        for b in suffix.utf8 {
            i += 1
            if b == 0x0A { liveRawStart = i }
        }
        ingest(sanitizer.sanitize(suffix))
    }

    /// Feeds sanitized text: completes lines, extends the live line. O(text).
    mutating func ingest(_ text: String) {
        guard !text.isEmpty else { return }
        hasText = true
        var rest = text[...]
        // A delta may continue the last cluster (skin tone, ZWJ, VS16, combining mark).
        if let last = liveText.last, let f = text.unicodeScalars.first, f != "\n", f != "\t" {
            let combined = String(last) + text
            let merged = combined.first!
            let extra = merged.unicodeScalars.count - last.unicodeScalars.count
            if extra > 0 {
                let idx = text.unicodeScalars.index(text.unicodeScalars.startIndex, offsetBy: extra)
                let consumed = String(text.unicodeScalars[..<idx])
                liveText.append(consumed)
                liveTail.append(consumed)
                let w = DisplayWidth.of(merged)
                if w != lastWidth {
                    var p = prevPos
                    p.advance(w, cols: options.width)
                    pos = p
                    lineCols += w - lastWidth
                    lastWidth = w
                    forceRewind = true
                }
                rest = text[idx...]
            }
        }
        var runStart = rest.startIndex
        var i = rest.startIndex
        let cols = options.width
        while i < rest.endIndex {
            let ch = rest[i]
            if ch == "\n" || ch == "\t" {
                if runStart < i { liveText += rest[runStart..<i]; liveTail += rest[runStart..<i] }
                if ch == "\n" {
                    commitLine()
                } else {
                    let n = 8 - lineCols % 8
                    let spaces = String(repeating: " ", count: n)
                    liveText += spaces; liveTail += spaces
                    lineCols += n
                    for _ in 0..<n { prevPos = pos; pos.advance(1, cols: cols) }
                    lastWidth = 1
                }
                i = rest.index(after: i)
                runStart = i
                continue
            }
            let w = DisplayWidth.of(ch)
            prevPos = pos
            pos.advance(w, cols: cols)
            lineCols += w
            lastWidth = w
            i = rest.index(after: i)
        }
        if runStart < rest.endIndex { liveText += rest[runStart...]; liveTail += rest[runStart...] }
    }

    mutating func commitLine() {
        if options.markdown && liveText.utf8.count <= MarkdownRenderer.maxLine {
            markdown.width = options.width
            pending.append(.rendered(markdown.commit(liveText)))
        } else {
            if options.markdown { _ = markdown.commit(liveText) }
            pending.append(.line(plain: liveText, styled: nil, tail: liveTail, onScreen: liveOnScreen && liveShown == nil))
        }
        committedCount += 1
        liveText = ""
        liveTail = ""
        liveOnScreen = false
        lineCols = 0
        pos = Pos(); prevPos = Pos(); lastWidth = 0
    }
}
