import Testing
@testable import TerminalRendering

/// Deterministic xorshift so failures reproduce.
struct XorShift: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
}

/// Rows a text occupies at `cols`, using DisplayWidth and xterm autowrap (a cluster that does
/// not fit starts the next row), rstripped like the screen dump.
func wrapClusters(_ s: String, cols: Int) -> [String] {
    var rows: [String] = []
    for line in s.split(separator: "\n", omittingEmptySubsequences: false) {
        var row = "", col = 0
        for c in line {
            let w = DisplayWidth.of(c)
            if col + w > cols && col > 0 { rows.append(row); row = ""; col = 0 }
            row.append(c); col += w
        }
        rows.append(row)
    }
    return rows.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
}

/// Tabs to spaces at the next multiple of 8 of the logical line column (as the renderer does).
func expandTabs(_ s: String) -> String {
    var out = "", col = 0
    for c in s {
        if c == "\n" { out.append(c); col = 0 }
        else if c == "\t" { let n = 8 - col % 8; out += String(repeating: " ", count: n); col += n }
        else { out.append(c); col += DisplayWidth.of(c) }
    }
    return out
}

@Suite(.enabled(if: VTScreen.enabled, "QWEN_CHAT_SKIP_VT=1"))
struct RendererFuzzTests {
    /// Well-formed clusters only (loose ZWJ / modifiers after letters are where terminals and
    /// Unicode segmentation disagree, see docs/rendering.md limits).
    static let pieces = ["a", "b", "word ", "xyz", " ", "中", "文字", "👍", "👍🏽", "👨‍👩‍👧", "🇯🇵",
                         "e\u{301}", "\n", "\n", "é", "한", "1\u{FE0F}\u{20E3}", "❤\u{FE0F}", "\t"]

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func randomStreamsWithLiveRevisions(seed: UInt64) throws {
        var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15 &* (seed + 1))
        let cols = [7, 9, 10, 13][Int(seed % 4)]
        var s = Session(width: cols)
        var text = ""
        for _ in 0..<120 {
            var delta = ""
            for _ in 0..<Int.random(in: 1...4, using: &rng) { delta += Self.pieces.randomElement(using: &rng)! }
            text += delta
            s.renderer.append(delta)
            if Int.random(in: 0..<3, using: &rng) == 0 { s.frame() }
            if Int.random(in: 0..<15, using: &rng) == 0 {
                // Rewrite the tail of the live line (after the last newline).
                let start = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
                let live = text[start...]
                let keep = live.count > 0 ? Int.random(in: 0...live.count, using: &rng) : 0
                text = String(text[..<start]) + String(live.prefix(keep)) + "REV中"
                s.renderer.revise(text)
                if Bool.random(using: &rng) { s.frame() }
            }
        }
        s.finish()
        let screen = try VTScreen.run(s.bytes, cols: cols, rows: 400)
        let expanded = expandTabs(text)
        #expect(screen.content == wrapClusters(expanded, cols: cols).reversed().drop(while: \.isEmpty).reversed())
        #expect(!s.bytes.containsSequence(Array("(revised)".utf8)))
    }
}
