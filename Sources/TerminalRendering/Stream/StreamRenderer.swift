/// Renders one streamed reply in place: state + update -> bytes.
///
/// Commit-and-live: every line ended by `\n` is styled and printed once and never touched
/// again; only the unfinished last line (the live region) is redrawn, from its first row,
/// which is found by counting the rows it occupies from display widths. With the terminal's
/// height known, the live region never grows past half the screen: the start of a taller line
/// is printed for good, so a redraw never has to reach above the top of the screen (which
/// would leave a second copy in the scrollback). The caller owns stdout, the clock (how often
/// `frame()` is called) and SIGWINCH (`resize`). The cursor is assumed to be at the start of
/// a fresh line before the first frame.
///
/// `LiveBlock` keeps the reply's state; `LivePainter` knows the screen and writes the bytes.
public struct StreamRenderer: Sendable {
    public private(set) var options: RenderOptions
    var block: LiveBlock
    var painter: LivePainter

    private static let begin = Array("\u{1B}[?2026h\u{1B}[?25l".utf8)
    private static let end = Array("\u{1B}[?25h\u{1B}[?2026l".utf8)

    public init(options: RenderOptions) {
        self.options = options
        block = LiveBlock(width: options.width, markdown: options.markdown)
        painter = LivePainter(width: options.width, color: options.color)
    }

    /// The reply so far, raw.
    var reply: String { block.reply }

    // MARK: updates

    /// Appends a model delta (raw, unsanitised). O(delta).
    public mutating func append(_ text: String) { block.append(text) }

    /// The Space rewrote earlier text: `fullText` is the whole reply now.
    public mutating func revise(_ fullText: String) { block.revise(fullText) }

    /// Status shown before the first token (e.g. "queued 3 of 7, ~12s"); nil removes it.
    /// Ignored once reply text has arrived: the reply replaces it in place.
    public mutating func setStatus(_ line: String?) {
        block.setStatus(line.map { TerminalText.line($0, width: options.width).text })
    }

    /// Status lines before the first token, each cut to one row: a heading and, under it, the
    /// last lines of the reasoning as it streams (as many as fit on the screen). Ignored once
    /// reply text has arrived.
    public mutating func setStatus(lines: [String]) {
        var lines = lines[...]
        if let rows = options.height.map({ max(1, $0 - 1) }), lines.count > rows {
            lines = lines.prefix(1) + lines.suffix(rows - 1)
        }
        block.setStatus(lines.map { TerminalText.line($0, width: max(options.width - 1, 1)).text }.joined(separator: "\r\n"))
    }

    /// The terminal is now `width` columns wide. A terminal that rewraps (see
    /// `options.terminalReflowsOnResize`) keeps the reply as it shows it, and drawing goes on
    /// from the cursor; on one that does not, the live region is redrawn (see docs/rendering.md).
    public mutating func resize(width: Int) {
        resize(width: width, height: options.height)
    }

    /// The terminal is now `width` × `height` (nil: unknown).
    public mutating func resize(width: Int, height: Int?) {
        options.height = height.map { max(1, $0) }
        let w = max(1, width)
        guard w != options.width else { return }
        options.width = w
        painter.resize(width: w, reflows: options.terminalReflowsOnResize)
        if options.terminalReflowsOnResize && block.hasText && block.pending.isEmpty && !block.needsRewind {
            // The terminal rewrapped what the live region shows, and may have pushed its first
            // rows into the scrollback (tmux keeps the cursor on its row): a redraw could not
            // reach them, so what is shown stays as it is, for good.
            block.settleDrawn()
            painter.settle()
            block.resize(width: w, rewind: false)
        } else {
            // xterm keeps its rows: redraw from the region's start. A rewrapping terminal with lines
            // pending (a newline arrived since the last frame): they go on from what is shown.
            block.resize(width: w, rewind: !options.terminalReflowsOnResize || !block.hasText)
        }
    }

    // MARK: output

    /// Bytes that bring the screen from the last frame to the current state; [] if nothing changed.
    public mutating func frame() -> [UInt8] {
        guard block.changed else { return [] }
        block.changed = false
        var out = Self.begin
        if block.needsRewind {
            painter.rewind(&out)
            block.needsRewind = false
        }
        if !block.hasText {
            let status = block.status.map { [StyledRun($0, options.color ? "2" : nil)] } ?? []
            painter.show(status, &out)
        } else {
            var live = block.liveIsRaw ? nil : block.liveRuns()
            let settled = keepLiveRegionShort(&live)
            for entry in block.takePending() {
                switch entry {
                case .marker: painter.commitNote(options.revisedMarker, &out)
                case .line(let lines), .released(let lines): commit(lines, &out)
                }
            }
            if let settled {
                painter.show(settled, &out)
                painter.settle()
            }
            drawLive(live, &out)
            block.markDrawn()
        }
        out += Self.end
        return out
    }

    /// Final frame: everything committed, cursor at the start of a fresh line, attributes reset
    /// (with `color` off no SGR is ever sent, so there is nothing to reset).
    public mutating func finish() -> [UInt8] {
        block.finish()
        if !painter.isEmpty { block.changed = true }
        var out = frame()
        if !out.isEmpty && options.color {
            out.insert(contentsOf: "\u{1B}[0m".utf8, at: out.count - Self.end.count)
        }
        return out
    }

    // MARK: internals

    /// Keeps the live region within `options.liveRowLimit` rows: first held table rows are
    /// printed early, then the start of a long line is settled (returned: it is printed for good
    /// after the pending lines). `live` is the live line's rendering, recomputed if it changed.
    private mutating func keepLiveRegionShort(_ live: inout [StyledRun]?) -> [StyledRun]? {
        guard let limit = options.liveRowLimit else { return nil }
        // Pending lines end the painter's line: the live line then starts a fresh one.
        let origin = block.pending.isEmpty ? painter.origin : 0
        func rows(_ live: [StyledRun]?) -> Int {
            var p = ScreenPosition(row: 0, col: origin)
            if let live {
                for run in live { p.advance(over: run.text, cols: options.width) }
            } else {
                p.advance(over: block.line.text, cols: options.width)
            }
            return p.row + 1
        }
        guard rows(live) > limit else { return nil }
        if block.releaseHeld() {
            live = block.liveRuns()
            guard rows(live) > limit else { return nil }
        }
        let keep = max(1, limit / 2) * options.width
        guard let settled = block.settleStart(keepColumns: keep) else { return nil }
        live = block.liveIsRaw ? nil : block.liveRuns()
        return settled
    }

    private mutating func commit(_ lines: [[StyledRun]], _ out: inout [UInt8]) {
        // A hidden line (a fence) only clears what the live region showed of it.
        if lines.isEmpty { painter.rewind(&out) }
        for runs in lines { painter.commitLine(runs, &out) }
    }

    private mutating func drawLive(_ live: [StyledRun]?, _ out: inout [UInt8]) {
        if let live {
            painter.show(live, &out)
            return
        }
        // Raw text: only what was not drawn yet, unless it changes a cluster already drawn.
        let text = block.line.text
        if let n = painter.rawCount, n <= text.utf8.count,
           painter.appendRaw(String(decoding: text.utf8.dropFirst(n), as: UTF8.self), &out) {
            return
        }
        painter.rewind(&out)
        _ = painter.appendRaw(text, &out)
    }
}

