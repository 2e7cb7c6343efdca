/// The reply as the renderer keeps it: lines committed and waiting to be printed, the live line
/// still streaming, the status before the first token. Every update is O(delta); turning this
/// into bytes is `LivePainter`'s part.
struct LiveBlock: Sendable {
    /// What is printed next, in order.
    enum Pending: Sendable {
        /// The line printed before a corrected copy of committed lines.
        case marker
        /// The screen lines one committed source line became (none: a hidden fence line).
        case line([[StyledRun]])
        /// Held lines printed early to keep the live region short (an open table); not a source line.
        case released([[StyledRun]])
    }

    /// The unfinished last line: sanitised, tabs expanded.
    struct LiveLine: Sendable {
        /// The part not printed for good yet.
        var text = ""
        /// The start already printed for good (the line grew taller than the live region may be).
        var settled = ""
        /// How `text` renders once there is a settled start; nil before.
        var continuation: LineContinuation?
        /// Display columns of the whole line so far (tab stops) and of its last cluster.
        var cols = 0
        var lastWidth = 0
        /// UTF-8 length of the start of `text` that the last frame drew.
        var drawn = 0
    }

    var width: Int
    let markdownEnabled: Bool

    /// The reply, raw, for `revise`.
    private(set) var reply = ""
    /// UTF-8 offset in `reply` just after the last `\n` (the start of the live line).
    private var liveRawStart = 0
    private var sanitizer = ControlSanitizer()
    private var markdown = MarkdownRenderer()
    private(set) var line = LiveLine()
    private(set) var pending: [Pending] = []
    /// Source lines committed so far / printed so far.
    private var committedCount = 0
    private var printedCount = 0
    private(set) var hasText = false
    private(set) var status: String?
    /// The last committed line whose start was settled (printed before it ended).
    private var lastSettledLine: Int?
    /// Something changed since the last frame.
    var changed = false
    /// The live region must be drawn again from its start (a resize, a rewritten live line).
    var needsRewind = false

    init(width: Int, markdown: Bool) {
        self.width = width
        markdownEnabled = markdown
        self.markdown.width = width
    }

    // MARK: updates

    /// Appends a model delta (raw, unsanitised). O(delta).
    mutating func append(_ text: String) {
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
    mutating func revise(_ fullText: String) {
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
            append(String(fullText.unicodeScalars[Self.index(fullText, utf8Offset: p)...]))
            return
        }
        let liveSettled = !line.settled.isEmpty
        if p >= liveRawStart && !liveSettled {
            // Only the live line changed: rebuild it from its raw start.
            reply = fullText
            restartLive(fromRawOffset: liveRawStart)
            return
        }
        // Printed text changed. Lines before the one containing the first difference stay.
        var k = 0, lineStart = 0, j = 0
        for b in new.prefix(p) {
            j += 1
            if b == 0x0A { k += 1; lineStart = j }
        }
        reply = fullText
        // Fence state at line k: replay lines 0..<k of the new text (revisions are rare).
        var s = ControlSanitizer()
        var st = MarkdownRenderer()
        st.width = width
        let head = s.sanitize(String(fullText.unicodeScalars[..<Self.index(fullText, utf8Offset: lineStart)]))
        if markdownEnabled {
            var cols = 0
            var text = ""
            for ch in head {
                if ch == "\n" { _ = st.commit(text); text = ""; cols = 0 }
                else if ch == "\t" { let n = 8 - cols % 8; text += String(repeating: " ", count: n); cols += n }
                else { text.append(ch); cols += DisplayWidth.of(ch) }
            }
        }
        markdown = st
        let neverPrinted = k >= printedCount && !(liveSettled && k == committedCount)
            && !pending.contains(where: { if case .released = $0 { true } else { false } })
            && !(lastSettledLine.map { $0 >= k } ?? false)
        if neverPrinted {
            // The changed lines were never printed: drop them silently.
            pending.removeLast(min(pending.count, committedCount - k))
        } else {
            pending.removeAll()
            pending.append(.marker)
            printedCount = k
        }
        committedCount = k
        if let settled = lastSettledLine, settled >= k { lastSettledLine = nil }
        restartLive(fromRawOffset: lineStart)
    }

    /// Status shown before the first token, already cut to the screen; nil removes it.
    mutating func setStatus(_ text: String?) {
        guard !hasText, text != status else { return }
        status = text
        changed = true
    }

    /// The terminal is `width` columns wide now; `rewind`: the live region is drawn again.
    mutating func resize(width w: Int, rewind: Bool) {
        width = w
        markdown.width = w
        needsRewind = needsRewind || rewind
        changed = true
    }

    /// Everything the live region shows is final as it is (see `StreamRenderer.resize`): held
    /// lines stay as typed, the live line goes on after what the last frame drew of it.
    mutating func settleDrawn() {
        if line.continuation == nil && markdownEnabled { markdown.dropHeld() }
        // Text that arrived after the last frame is not on the screen: it stays live.
        var cut = line.text.utf8.index(line.text.utf8.startIndex, offsetBy: min(line.drawn, line.text.utf8.count))
        while String.Index(cut, within: line.text) == nil { cut = line.text.unicodeScalars.index(before: cut) }
        guard cut > line.text.startIndex else { return }
        let head = String(line.text[..<cut])
        if var c = line.continuation {
            _ = c.settle(head)
            line.continuation = c
        } else {
            line.continuation = liveIsRaw ? .raw : markdown.beginContinuation(head).0
        }
        line.settled += head
        line.text = String(line.text[cut...])
        line.drawn = 0
        changed = true
    }

    /// The frame drew the live line as it is now.
    mutating func markDrawn() { line.drawn = line.text.utf8.count }

    /// The end of the reply: everything is committed.
    mutating func finish() {
        ingest(sanitizer.finish())
        if !line.text.isEmpty || line.continuation != nil { commitLine() }
        if markdownEnabled {
            let held = markdown.flush()
            if !held.isEmpty { pending.append(.released(held)) }
        }
        if status != nil { status = nil; changed = true }
        hasText = true
        if !pending.isEmpty { changed = true }
    }

    // MARK: for the frame

    /// The pending lines, in order; each source line among them counts as printed.
    mutating func takePending() -> [Pending] {
        defer { pending.removeAll() }
        for entry in pending { if case .line = entry { printedCount += 1 } }
        return pending
    }

    /// The live line is drawn as typed (appended in O(delta)) rather than rendered.
    var liveIsRaw: Bool {
        if let c = line.continuation { return c.isRaw }
        return !markdownEnabled || line.text.utf8.count > MarkdownRenderer.maxLine
    }

    /// What the live region shows for the live line: the held lines (an open table) and the
    /// line rendered as it would look if it ended here.
    func liveRuns() -> [StyledRun] {
        if let c = line.continuation { return c.render(line.text, live: true) }
        if !markdownEnabled || line.text.utf8.count > MarkdownRenderer.maxLine {
            return line.text.isEmpty ? [] : [StyledRun(line.text)]
        }
        var want: [StyledRun] = []
        for (i, row) in markdown.live(line.text).enumerated() {
            if i > 0 { want.append(StyledRun("\r\n")) }
            for r in row { want.add(r.text, r.sgr) }
        }
        return want
    }

    /// Prints held lines early (see `MarkdownRenderer.releaseHeld`); false when none are held.
    mutating func releaseHeld() -> Bool {
        guard markdownEnabled, !liveIsRaw else { return false }
        let held = markdown.releaseHeld()
        guard !held.isEmpty else { return false }
        pending.append(.released(held))
        changed = true
        return true
    }

    /// Settles the start of the live line, keeping about `keepColumns` of its end live: returns
    /// how the settled part looks (to print for good), nil when the line is too short to cut.
    mutating func settleStart(keepColumns: Int) -> [StyledRun]? {
        let text = line.text
        let first = line.continuation == nil
        // Nothing may stay held above a line printed for good.
        var markdown = self.markdown
        let held = first && markdownEnabled ? markdown.flush() : []
        let raw = liveIsRaw
        /// The start and the rest of `text` cut at `k`, each rendered as it would be printed.
        func parts(_ k: String.Index) -> (LineContinuation, [StyledRun]) {
            let head = String(text[..<k])
            if var c = line.continuation {
                let runs = c.settle(head)
                return (c, runs)
            }
            return raw ? (.raw, [StyledRun(head)]) : markdown.beginContinuation(head)
        }
        // A cut is clean where the two parts look as the whole does (no construct cut in two).
        var whole: [StyledRun]?
        if !raw && text.utf8.count <= MarkdownRenderer.maxLine {
            whole = Self.merged(line.continuation?.render(text, live: true) ?? markdown.live(text).last ?? [])
        }
        func isClean(_ k: String.Index) -> Bool {
            guard let whole else { return true }
            let (c, runs) = parts(k)
            return Self.merged(runs + c.render(String(text[k...]), live: true)) == whole
        }
        guard let cut = Self.cutPoint(text, keepColumns: keepColumns, isClean: isClean) else { return nil }
        let (c, runs) = parts(cut)
        if !held.isEmpty { pending.append(.released(held)) }
        self.markdown = markdown
        line.continuation = c
        line.settled += text[..<cut]
        line.text = String(text[cut...])
        line.drawn = 0
        changed = true
        return runs
    }

    /// Where to cut `text` so that about `keepColumns` columns stay after the cut: after a
    /// space a little before that point where the cut is clean, else after any space there,
    /// else right at that point. At least the last character stays (a later delta may extend
    /// its cluster).
    static func cutPoint(_ text: String, keepColumns: Int, isClean: (String.Index) -> Bool) -> String.Index? {
        var i = text.endIndex
        var cols = 0
        repeat {
            i = text.index(before: i)
            cols += DisplayWidth.of(text[i])
        } while cols < keepColumns && i > text.startIndex
        guard i > text.startIndex else { return nil }
        // Back from the point first (more stays live), then on from it (less does).
        var anySpace: String.Index?
        for forward in [false, true] {
            var k = i, tried = 0, steps = 0
            while tried < 8 && steps < 400 {
                if forward {
                    guard k < text.endIndex else { break }
                    k = text.index(after: k)
                    guard k < text.endIndex else { break }
                } else {
                    guard k > text.startIndex else { break }
                }
                let before = text.index(before: k)
                if text[before] == " " && k > text.startIndex {
                    if anySpace == nil { anySpace = k }
                    if isClean(k) { return k }
                    tried += 1
                }
                if !forward { k = before }
                steps += 1
            }
        }
        return anySpace ?? i
    }

    /// Runs with neighbours of one style joined, to compare looks.
    private static func merged(_ runs: [StyledRun]) -> [StyledRun] {
        var out: [StyledRun] = []
        for r in runs { out.add(r.text, r.sgr) }
        return out
    }

    // MARK: internals

    private static func index(_ s: String, utf8Offset: Int) -> String.Index {
        s.utf8.index(s.utf8.startIndex, offsetBy: utf8Offset)
    }

    /// Throws away the live line and re-reads the raw reply from `offset` (a line start).
    private mutating func restartLive(fromRawOffset offset: Int) {
        line = LiveLine()
        needsRewind = true
        changed = true
        sanitizer = ControlSanitizer()
        liveRawStart = offset
        let suffix = String(reply.unicodeScalars[Self.index(reply, utf8Offset: offset)...])
        var i = offset
        for b in suffix.utf8 {
            i += 1
            if b == 0x0A { liveRawStart = i }
        }
        ingest(sanitizer.sanitize(suffix))
    }

    /// Feeds sanitised text: completes lines, extends the live line. O(text).
    private mutating func ingest(_ text: String) {
        guard !text.isEmpty else { return }
        hasText = true
        changed = true
        var rest = text[...]
        // A delta may continue the last cluster (skin tone, ZWJ, VS16, combining mark).
        if let last = line.text.last, let f = text.unicodeScalars.first, f != "\n", f != "\t" {
            let merged = (String(last) + text).first!
            let extra = merged.unicodeScalars.count - last.unicodeScalars.count
            if extra > 0 {
                let idx = text.unicodeScalars.index(text.unicodeScalars.startIndex, offsetBy: extra)
                line.text.append(String(text.unicodeScalars[..<idx]))
                let w = DisplayWidth.of(merged)
                line.cols += w - line.lastWidth
                line.lastWidth = w
                rest = text[idx...]
            }
        }
        var runStart = rest.startIndex
        var i = rest.startIndex
        while i < rest.endIndex {
            let ch = rest[i]
            if ch == "\n" || ch == "\t" {
                if runStart < i { line.text += rest[runStart..<i] }
                if ch == "\n" {
                    commitLine()
                } else {
                    let n = 8 - line.cols % 8
                    line.text += String(repeating: " ", count: n)
                    line.cols += n
                    line.lastWidth = 1
                }
                i = rest.index(after: i)
                runStart = i
                continue
            }
            let w = DisplayWidth.of(ch)
            line.cols += w
            line.lastWidth = w
            i = rest.index(after: i)
        }
        if runStart < rest.endIndex { line.text += rest[runStart...] }
    }

    private mutating func commitLine() {
        markdown.width = width
        if let c = line.continuation {
            lastSettledLine = committedCount
            markdown.noteContinued(line.settled + line.text)
            pending.append(.line([c.render(line.text, live: false)]))
        } else if markdownEnabled && line.text.utf8.count <= MarkdownRenderer.maxLine {
            pending.append(.line(markdown.commit(line.text)))
        } else {
            if markdownEnabled { _ = markdown.commit(line.text) }
            pending.append(.line([line.text.isEmpty ? [] : [StyledRun(line.text)]]))
        }
        committedCount += 1
        line = LiveLine()
    }
}
