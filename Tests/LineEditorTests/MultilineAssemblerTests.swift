import Testing
@testable import LineEditor

@Suite struct MultilineAssemblerTests {
    @Test func singleLineCompletesImmediately() {
        var a = MultilineAssembler()
        #expect(a.feed("hello") == .complete("hello"))
        #expect(!a.needsMore)
    }

    @Test func emptyLineCompletesAsEmpty() {
        var a = MultilineAssembler()
        #expect(a.feed("") == .complete(""))
    }

    @Test func trailingBackslashContinuesKeepingNewline() {
        var a = MultilineAssembler()
        #expect(a.feed("first \\") == .needMore)
        #expect(a.needsMore && !a.isInBlock)
        #expect(a.feed("second\\") == .needMore)
        #expect(a.feed("third") == .complete("first \nsecond\nthird"))
        #expect(!a.needsMore)
    }

    @Test func backslashContinuationThenEmptyLine() {
        var a = MultilineAssembler()
        #expect(a.feed("a\\") == .needMore)
        #expect(a.feed("") == .complete("a\n"))
    }

    @Test func tripleQuoteBlockIsVerbatim() {
        var a = MultilineAssembler()
        #expect(a.feed("\"\"\"") == .needMore)
        #expect(a.isInBlock)
        #expect(a.feed("let x = 1 \\") == .needMore)
        #expect(a.feed("") == .needMore)
        #expect(a.feed("  indented") == .needMore)
        #expect(a.feed("\"\"\"") == .complete("let x = 1 \\\n\n  indented"))
        #expect(!a.needsMore)
    }

    @Test func fenceMayHaveSurroundingSpaces() {
        var a = MultilineAssembler()
        #expect(a.feed("  \"\"\" ") == .needMore)
        #expect(a.feed("x") == .needMore)
        #expect(a.feed("\t\"\"\"") == .complete("x"))
    }

    @Test func emptyBlock() {
        var a = MultilineAssembler()
        #expect(a.feed("\"\"\"") == .needMore)
        #expect(a.feed("\"\"\"") == .complete(""))
    }

    @Test func fenceWithTextIsNotAFence() {
        var a = MultilineAssembler()
        #expect(a.feed("\"\"\"python") == .complete("\"\"\"python"))
    }

    @Test func fenceOnlyOpensOnFirstLine() {
        var a = MultilineAssembler()
        #expect(a.feed("a\\") == .needMore)
        #expect(a.feed("\"\"\"") == .complete("a\n\"\"\""))
    }

    @Test func pastedMultiLineIsTakenVerbatim() {
        var a = MultilineAssembler()
        #expect(a.feed("x \\\n\"\"\"\ny \\") == .complete("x \\\n\"\"\"\ny \\"))
        #expect(!a.needsMore)
    }

    @Test func pastedMultiLineInsideBlockIsContent() {
        var a = MultilineAssembler()
        _ = a.feed("\"\"\"")
        #expect(a.feed("a\n\"\"\"\nb") == .needMore)
        #expect(a.feed("\"\"\"") == .complete("a\n\"\"\"\nb"))
    }

    @Test func pastedMultiLineEndsContinuation() {
        var a = MultilineAssembler()
        _ = a.feed("intro\\")
        #expect(a.feed("p1\np2\\") == .complete("intro\np1\np2\\"))
    }

    @Test func finishPendingReturnsCollectedText() {
        var a = MultilineAssembler()
        #expect(a.finishPending() == nil)
        _ = a.feed("\"\"\"")
        _ = a.feed("one")
        _ = a.feed("two")
        #expect(a.finishPending() == "one\ntwo")
        #expect(!a.needsMore)
        #expect(a.feed("next") == .complete("next"))
    }

    @Test func resetDiscards() {
        var a = MultilineAssembler()
        _ = a.feed("a\\")
        a.reset()
        #expect(!a.needsMore)
        #expect(a.feed("b") == .complete("b"))
    }
}
