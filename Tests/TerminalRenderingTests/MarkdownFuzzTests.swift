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

    /// Model text never injects a sequence: with Markdown rendering on, every ESC the renderer
    /// writes starts one of its own sequences (SGR, cursor up, erase below, modes 2026 and 25).
    @Test(arguments: [11, 12, 13, 14])
    func renderedBytesOnlyCarryOurSequences(seed: UInt64) {
        var rng = XorShift(state: 0x0F0F_1234_5555_AAAA &* (seed + 1))
        let nasty = ["\u{1B}[2J", "\u{1B}]0;t\u{07}", "\u{9B}31m", "\u{1B}", "[", "m", "\r", "\u{08}", "\u{7F}", "`", "**", "|",
                     "```py\n", "```\n", "\n| a | b |\n|---|---|\n", "| \u{1B}[1m | x |\n", "# \u{1B}]52;c;x\u{07}", "\n", "\t", "中"]
        var r = StreamRenderer(options: RenderOptions(color: true, markdown: true, width: 30))
        var out: [UInt8] = []
        for _ in 0..<400 {
            r.append(nasty.randomElement(using: &rng)! + nasty.randomElement(using: &rng)!)
            if Bool.random(using: &rng) { out += r.frame() }
        }
        out += r.finish()
        var i = 0
        var bad: [String] = []
        while i < out.count {
            defer { i += 1 }
            if out[i] < 0x20 && ![0x0A, 0x0D, 0x1B].contains(out[i]) { bad.append("C0 \(out[i])") }
            guard out[i] == 0x1B else { continue }
            var j = i + 1
            guard j < out.count, out[j] == 0x5B else { bad.append("ESC not CSI"); continue }
            j += 1
            while j < out.count, (0x30...0x3F).contains(out[j]) { j += 1 }
            let params = String(decoding: out[(i + 2)..<j], as: UTF8.self)
            let final = j < out.count ? Character(UnicodeScalar(out[j])) : "?"
            let ok = (final == "m" && params.allSatisfy { $0.isNumber || $0 == ";" })
                || (final == "A" && params.allSatisfy(\.isNumber)) || (final == "J" && params.isEmpty)
                || ((final == "h" || final == "l") && (params == "?2026" || params == "?25"))
            if !ok { bad.append("CSI \(params)\(final)") }
            i = j
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }
}
