/// The live region on the screen: what it shows, where it starts, and the bytes that change it.
///
/// Everything above the region's start is final. The region is redrawn by going back to its
/// start (`rewind`: up its rows, clear to the end of the screen), which only works while that
/// start is on the screen; `LiveBlock` keeps the region short enough (see `settle`).
struct LivePainter: Sendable {
    var width: Int
    let color: Bool
    /// What the region shows, "\r\n" runs between its lines.
    private(set) var shown: [StyledRun] = []
    /// UTF-8 length of `shown` while it is raw text drawn by `appendRaw`; nil otherwise.
    private(set) var rawCount: Int?
    /// Column the region starts at on its first row: 0, or where the settled start of a long
    /// line ends.
    private(set) var origin = 0
    /// The cursor, relative to the region's first row.
    private(set) var cursor = ScreenPosition()
    /// The last cluster drawn: a delta may extend it.
    private var lastCluster: Character?
    /// The settled start of the line the region is on, as drawn: where `origin` lands after
    /// the terminal rewraps it.
    private var settledLine = ""

    init(width: Int, color: Bool) {
        self.width = width
        self.color = color
    }

    var isEmpty: Bool { shown.isEmpty }

    /// Erases the region: back to its start, clear to the end of the screen.
    mutating func rewind(_ out: inout [UInt8]) {
        guard !shown.isEmpty else { return }
        out.append(0x0D)
        if cursor.row > 0 { out.append(contentsOf: "\u{1B}[\(cursor.row)A".utf8) }
        if origin > 0 { out.append(contentsOf: "\u{1B}[\(origin)C".utf8) }
        out.append(contentsOf: "\u{1B}[J".utf8)
        empty()
    }

    /// Makes the region show `want`: only the new part when it extends what is shown.
    mutating func show(_ want: [StyledRun], _ out: inout [UInt8]) {
        guard want != shown || rawCount != nil else { return }
        if let ext = want.extensionBytes(of: shown, color: color) {
            out.append(contentsOf: ext)
        } else {
            rewind(&out)
            out.append(contentsOf: want.bytes(color: color))
        }
        shown = want
        rawCount = nil
        measure()
    }

    /// Draws raw `text` after the raw text shown (or into an empty region) in O(text). False
    /// when `text` extends the last cluster to another width: the caller redraws.
    mutating func appendRaw(_ text: String, _ out: inout [UInt8]) -> Bool {
        guard rawCount != nil || shown.isEmpty else { return false }
        guard !text.isEmpty else { return true }
        var rest = Substring(text)
        if let last = lastCluster, let merged = (String(last) + text).first {
            let extra = merged.unicodeScalars.count - last.unicodeScalars.count
            if extra > 0 {
                guard DisplayWidth.of(merged) == DisplayWidth.of(last) else { return false }
                rest = text[text.unicodeScalars.index(text.unicodeScalars.startIndex, offsetBy: extra)...]
                lastCluster = merged
            }
        }
        for ch in rest {
            cursor.advance(DisplayWidth.of(ch), cols: width)
            lastCluster = ch
        }
        out.append(contentsOf: text.utf8)
        shown.add(text, nil)
        rawCount = (rawCount ?? 0) + text.utf8.count
        return true
    }

    /// Ends the region's line drawn as `runs` (reusing what is shown where it is a prefix) and
    /// starts a fresh line below it.
    mutating func commitLine(_ runs: [StyledRun], _ out: inout [UInt8]) {
        if runs != shown {
            if let ext = runs.extensionBytes(of: shown, color: color) {
                out.append(contentsOf: ext)
            } else {
                rewind(&out)
                out.append(contentsOf: runs.bytes(color: color))
            }
        }
        out.append(contentsOf: "\r\n".utf8)
        startLine()
    }

    /// A dim line of ours (the revision marker) on a line of its own.
    mutating func commitNote(_ text: String, _ out: inout [UInt8]) {
        rewind(&out)
        if origin > 0 { out.append(contentsOf: "\r\n".utf8) }
        out.append(contentsOf: (color ? "\u{1B}[2m\(text)\u{1B}[0m" : text).utf8)
        out.append(contentsOf: "\r\n".utf8)
        startLine()
    }

    /// What the region shows becomes final; the region goes on from its end, on the same line.
    mutating func settle() {
        for run in shown {
            // Only the last line shown goes on (held lines above it end in "\r\n").
            if let last = run.text.lastIndex(of: "\r\n") {
                settledLine = String(run.text[run.text.index(after: last)...])
            } else {
                settledLine += run.text
            }
        }
        origin = cursor.origin(cols: width)
        empty()
    }

    /// The terminal is `w` columns wide now. A terminal that rewraps moves the region's rows
    /// (and its start, after a settled part); xterm leaves the rows where they are.
    mutating func resize(width w: Int, reflows: Bool) {
        width = w
        if reflows {
            var p = ScreenPosition()
            p.advance(over: settledLine, cols: w)
            origin = settledLine.isEmpty ? 0 : p.origin(cols: w)
            if !shown.isEmpty { measure() }
        } else {
            origin = min(origin, w - 1)
        }
    }

    private mutating func empty() {
        shown = []
        rawCount = nil
        lastCluster = nil
        cursor = ScreenPosition(row: 0, col: origin)
    }

    private mutating func startLine() {
        settledLine = ""
        origin = 0
        empty()
    }

    private mutating func measure() {
        var p = ScreenPosition(row: 0, col: origin)
        lastCluster = nil
        for run in shown {
            for ch in run.text {
                if ch == "\r\n" {
                    p.row += 1; p.col = 0; lastCluster = nil
                } else {
                    p.advance(DisplayWidth.of(ch), cols: width)
                    lastCluster = ch
                }
            }
        }
        cursor = p
    }
}
