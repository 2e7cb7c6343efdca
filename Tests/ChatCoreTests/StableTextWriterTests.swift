import TestSupport
import Testing
@testable import ChatCore
import GradioClient

/// Python's `inspect.cleandoc` (3.11), for text made of spaces, newlines and printable characters.
func cleandoc(_ doc: String) -> String {
    var lines = doc.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
    func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\r" || s == "\u{B}" || s == "\u{C}" }
    var margin = Int.max
    for line in lines.dropFirst() {
        let content = line.drop(while: isSpace).count
        if content > 0 { margin = min(margin, line.count - content) }
    }
    if !lines.isEmpty { lines[0] = Array(lines[0].drop(while: isSpace)) }
    if margin < Int.max {
        for i in lines.indices.dropFirst() { lines[i] = Array(lines[i].dropFirst(margin)) }
    }
    while let last = lines.last, last.isEmpty { lines.removeLast() }
    while let first = lines.first, first.isEmpty { lines.removeFirst() }
    var out = String.UnicodeScalarView()
    for (i, line) in lines.enumerated() {
        if i > 0 { out.append("\n") }
        out.append(contentsOf: line)
    }
    return String(out)
}

/// Feeds updates to a writer and collects what it releases.
struct WriterRun {
    var writer = StableTextWriter()
    var written = ""
    var releasedBeforeFinish = ""

    mutating func apply(_ update: TextUpdate) {
        let piece = writer.apply(update)
        written += piece
        releasedBeforeFinish += piece
    }

    mutating func finish(_ finalText: String) {
        written += writer.finish(finalText: finalText)
    }
}

@Suite("StableTextWriter")
struct StableTextWriterTests {
    @Test("cleandoc reproduces the Space's snapshots")
    func cleandocMatchesCaptures() {
        #expect(cleandoc("Steps:\n  ") == "Steps:\n  ")
        #expect(cleandoc("Steps:\n  o") == "Steps:\no")
        #expect(cleandoc("Steps:\n    one\n    two\nD") == "Steps:\n    one\n    two\nD")
        #expect(cleandoc("\n\n   Leading") == "Leading")
        #expect(cleandoc("a\n\n") == "a")
        #expect(cleandoc("") == "")
    }

    @Test("real captures: everything written plus finish equals the final text", arguments: [
        "harness/replica-4.44.1-indent.txt", "harness/gradio-5.50.0-indent.txt", "harness/gradio-6.31.0-indent.txt", "harness/replica-4.44.1-leading-blank.txt",
        "harness/replica-4.44.1-normal.txt", "harness/gradio-5.50.0-normal.txt", "harness/gradio-6.31.0-normal.txt", "gradio-4.44.1/normal-stream.txt",
    ])
    func captures(name: String) throws {
        var run = WriterRun()
        let replayed = try replay(name) { run.apply($0) }
        let finalText = try #require(replayed.finalText)
        run.finish(finalText)
        #expect(Array(run.written.utf8) == Array(finalText.utf8))
        #expect(run.writer.conflicts == 0)
        #expect(run.writer.text == finalText)
        #expect(run.writer.writtenCount == finalText.utf8.count)
        // Something streams before the end, except when the reply began with whitespace and was
        // then revised (TRIGGER_LEADING_BLANK): nothing of it is safe until the final text.
        #expect(run.releasedBeforeFinish.isEmpty == name.contains("leading-blank"))
        if !name.contains("indent"), !name.contains("blank") {
            // A plain reply streams all but its held-back tail before the end.
            #expect(finalText.hasPrefix(run.releasedBeforeFinish))
            #expect(run.releasedBeforeFinish.utf8.count >= finalText.utf8.count - 3)
        }
    }

    @Test func indentCaptureHoldsBackAfterTheRevision() throws {
        var pieces: [String] = []
        var writer = StableTextWriter()
        let replayed = try replay("harness/replica-4.44.1-indent.txt") { pieces.append(writer.apply($0)) }
        pieces.append(writer.finish(finalText: replayed.finalText!))
        // Only the first line streams once the Space has revised; the rest comes at the end.
        #expect(pieces.filter { !$0.isEmpty } == ["Ste", "ps:", "\n    one\n    two\nDone."])
    }

    @Test func trailingWhitespaceIsHeldBack() {
        var writer = StableTextWriter()
        #expect(writer.apply(.delta("Hello")) == "Hello")
        #expect(writer.apply(.delta("  \n")) == "")
        #expect(writer.apply(.delta("\t ")) == "")
        #expect(writer.apply(.delta("world")) == "  \n\t world")
        #expect(writer.apply(.delta("\r\n")) == "")
        // The final text decides whether held-back whitespace is written.
        #expect(writer.finish(finalText: "Hello  \n\t world") == "")
        #expect(writer.conflicts == 0)
        var other = StableTextWriter()
        #expect(other.apply(.delta("a \n")) == "a")
        #expect(other.finish(finalText: "a \n") == " \n")
        var blank = StableTextWriter()
        #expect(blank.apply(.delta("   ")) == "")
        #expect(blank.finish(finalText: "x") == "x")
    }

    @Test func revisionThatOnlyExtendsKeepsStreamingTheFirstLine() {
        var writer = StableTextWriter()
        #expect(writer.apply(.delta("Steps:")) == "Steps:")
        #expect(writer.apply(.delta("\n  ")) == "")
        #expect(writer.apply(.revised("Steps:\no")) == "")
        #expect(writer.apply(.delta("ne\ntwo")) == "")
        #expect(writer.finish(finalText: "Steps:\none\ntwo") == "\none\ntwo")
        #expect(writer.conflicts == 0)

        var firstLine = StableTextWriter()
        #expect(firstLine.apply(.delta("Lea")) == "Lea")
        #expect(firstLine.apply(.revised("Lead")) == "d")
        #expect(firstLine.apply(.delta("ing text")) == "ing text")
        #expect(firstLine.apply(.delta("\nmore")) == "")
        #expect(firstLine.finish(finalText: "Leading text\nmore") == "\nmore")
    }

    @Test func replyThatBeganWithWhitespaceIsHeldBackEntirelyAfterARevision() {
        // The TRIGGER_LEADING_BLANK shape: the first shown line is a later raw line, so the
        // common indentation can give it its spaces back.
        var writer = StableTextWriter()
        #expect(writer.apply(.delta("    ")) == "")
        #expect(writer.apply(.revised("Lea")) == "")
        #expect(writer.apply(.delta("ding.\nIndented.")) == "")
        #expect(writer.apply(.revised("    Leading.\n    Indented.\nFlush")) == "")
        #expect(writer.finish(finalText: "    Leading.\n    Indented.\nFlush left.") == "    Leading.\n    Indented.\nFlush left.")
        #expect(writer.conflicts == 0)
        // Whitespace before content without any revision still streams.
        var plain = StableTextWriter()
        #expect(plain.apply(.delta("  ")) == "")
        #expect(plain.apply(.delta("\nabc")) == "  \nabc")
        #expect(plain.finish(finalText: "  \nabc") == "")
    }

    @Test func revisionThatChangesWrittenTextIsAConflict() {
        var writer = StableTextWriter()
        #expect(writer.apply(.delta("Steps:\n  one")) == "Steps:\n  one")
        // The Space now strips the indentation it had shown: the written "  one" is wrong.
        #expect(writer.apply(.revised("Steps:\none")) == "")
        #expect(writer.conflicts == 1)
        #expect(writer.apply(.delta("\ntwo")) == "")
        // Nothing more is written: the output cannot be made exact.
        #expect(writer.finish(finalText: "Steps:\none\ntwo") == "")
        #expect(writer.conflicts == 1)
        #expect(writer.text == "Steps:\none\ntwo")

        var atFinish = StableTextWriter()
        #expect(atFinish.apply(.delta("abc def")) == "abc def")
        #expect(atFinish.finish(finalText: "xyz") == "")
        #expect(atFinish.conflicts == 1)
    }

    @Test func multiByteTextIsReleasedWhole() {
        var writer = StableTextWriter()
        var out = writer.apply(.delta("你好 🙂"))
        out += writer.apply(.delta(" e\u{301} "))
        out += writer.apply(.revised("你好 🙂 e\u{301} x"))
        out += writer.finish(finalText: "你好 🙂 e\u{301} x")
        #expect(Array(out.utf8) == Array("你好 🙂 e\u{301} x".utf8))
        #expect(writer.conflicts == 0)
    }

    @Test("property: delta streams are written exactly", arguments: [UInt64(11), 12, 13])
    func deltaStreams(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let pieces = ["a", "bc", " ", "  ", "\n", "\n\n", "\t", "你", "🙂", "e\u{301}", "\r\n", "ha", " ha", "x y"]
        for _ in 0..<500 {
            var run = WriterRun()
            var full = ""
            for _ in 0..<Int.random(in: 0...30, using: &rng) {
                let piece = pieces.randomElement(using: &rng)! + (Bool.random(using: &rng) ? pieces.randomElement(using: &rng)! : "")
                full += piece
                run.apply(.delta(piece))
                #expect(full.utf8.starts(with: run.written.utf8))
            }
            run.finish(full)
            #expect(Array(run.written.utf8) == Array(full.utf8))
            #expect(run.writer.conflicts == 0)
        }
    }

    /// Streams `raw` token by token as the Space does: each snapshot is `cleandoc(raw prefix)`,
    /// turned into updates by ReplyTracker and written by the writer.
    private func simulate(_ tokens: [String]) -> (written: String, final: String, conflicts: Int) {
        var tracker = ReplyTracker(outputIndex: 0)
        var run = WriterRun()
        var raw = ""
        for token in tokens {
            raw += token
            if let update = tracker.update(outputs: [.string(cleandoc(raw))], edits: nil) { run.apply(update) }
        }
        let final = cleandoc(raw)
        if let update = tracker.finish(outputs: [.string(final)]) { run.apply(update) }
        run.finish(final)
        return (run.written, final, run.writer.conflicts)
    }

    @Test("property: cleandoc streams without indented lines are exact and conflict-free", arguments: [UInt64(21), 22, 23])
    func cleandocUnindented(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let words = ["Hello", "world", "x", "42", "你好", "🙂", "a-b"]
        for _ in 0..<400 {
            var raw = String(repeating: Bool.random(using: &rng) ? "\n" : " ", count: Int.random(in: 0...3, using: &rng))
            for _ in 0..<Int.random(in: 1...25, using: &rng) {
                switch Int.random(in: 0...9, using: &rng) {
                case 0, 1: raw += "\n"
                case 2: raw += " "
                default: raw += words.randomElement(using: &rng)!
                }
                if Int.random(in: 0...5, using: &rng) == 0 { raw += " " }
            }
            // Lines after the first never start with a space.
            while raw.contains("\n ") { raw = raw.replacingOccurrences(of: "\n ", with: "\n") }
            let tokens = tokenize(raw, rng: &rng)
            let result = simulate(tokens)
            #expect(result.conflicts == 0, "raw \(String(reflecting: raw))")
            #expect(Array(result.written.utf8) == Array(result.final.utf8), "raw \(String(reflecting: raw))")
        }
    }

    @Test("property: cleandoc streams with indentation are exact whenever there is no conflict", arguments: [UInt64(31), 32, 33])
    func cleandocIndented(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let lines = ["Steps:", "  one", "    two", "Done.", "", "  ", "def f():", "    return 1", "\tx"]
        var exactRuns = 0
        for _ in 0..<400 {
            let raw = (0..<Int.random(in: 1...6, using: &rng)).map { _ in lines.randomElement(using: &rng)! }.joined(separator: "\n")
                .replacingOccurrences(of: "\t", with: "        ")
            let result = simulate(tokenize(raw, rng: &rng))
            if result.conflicts == 0 {
                exactRuns += 1
                #expect(Array(result.written.utf8) == Array(result.final.utf8), "raw \(String(reflecting: raw))")
            }
        }
        #expect(exactRuns > 200)
    }

    private func tokenize(_ raw: String, rng: inout SplitMix64) -> [String] {
        var tokens: [String] = []
        var rest = Substring(raw)
        while !rest.isEmpty {
            let n = Int.random(in: 1...4, using: &rng)
            tokens.append(String(rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
        return tokens
    }
}
