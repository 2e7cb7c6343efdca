import Testing
@testable import TerminalRendering

/// Random Markdown streams: whatever the chunking, frame points and live revisions, the final
/// screen (text and attributes) is the one the final reply gives when fed whole.
@Suite(.enabled(if: VTScreen.enabled, "QWEN_CHAT_SKIP_VT=1"))
struct MarkdownFuzzTests {
    static let pieces = ["**", "*", "_", "`", "~~", "word ", "x", " ", "中文", "👍", "snake_case", "2*3", "[l](u)",
                         "\n", "\n", "\n# ", "\n- ", "\n> ", "\n1. ", "\n```py\n", "\n```\n", "\"\"\"", "# c", "/*", "*/",
                         "\n| a | 名 |\n|---|:-:|\n", "| 1 | 二 |\n", "\\*", "\t"]

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func randomMarkdownStreams(seed: UInt64) throws {
        var rng = XorShift(state: 0x1234_5678_9ABC_DEF1 &* (seed + 3))
        let cols = [24, 40, 61][Int(seed % 3)]
        var s = Session(width: cols, color: true, markdown: true)
        var text = ""
        for _ in 0..<150 {
            var delta = ""
            for _ in 0..<Int.random(in: 1...3, using: &rng) { delta += Self.pieces.randomElement(using: &rng)! }
            // Split the delta at a random point too (chunks that cut markers).
            let cut = Int.random(in: 0...delta.count, using: &rng)
            for part in [String(delta.prefix(cut)), String(delta.dropFirst(cut))] where !part.isEmpty {
                text += part
                s.renderer.append(part)
                if Int.random(in: 0..<3, using: &rng) == 0 { s.frame() }
            }
            if Int.random(in: 0..<20, using: &rng) == 0 {
                let start = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
                let live = text[start...]
                text = String(text[..<start]) + String(live.prefix(Int.random(in: 0...live.count, using: &rng))) + "*r*"
                s.renderer.revise(text)
                if Bool.random(using: &rng) { s.frame() }
            }
        }
        s.finish()
        var whole = Session(width: cols, color: true, markdown: true)
        whole.append([text])
        whole.finish()
        let a = try VTScreen.run(s.bytes, cols: cols, rows: 600)
        let b = try VTScreen.run(whole.bytes, cols: cols, rows: 600)
        #expect(a.content == b.content)
        #expect(a.runs.map { $0.map { "\($0.text)|\($0.attrs)" } } == b.runs.map { $0.map { "\($0.text)|\($0.attrs)" } })
        #expect(!s.bytes.containsSequence(Array("(revised)".utf8)))
    }
}
