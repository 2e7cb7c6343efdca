import Testing
@testable import TerminalRendering

/// The inline renderer: what is emphasis follows CommonMark; markers never reach the screen.
@Suite struct InlineMarkdownTests {
    func r(_ s: String, live: Bool = false) -> [StyledRun] { InlineMarkdown.render(s[...], live: live) }

    @Test func markersAreHidden() {
        let runs = r("Some **bold**, *it*, _it2_, `code`, ~~old~~ and ***both***.")
        #expect(runs.plain == "Some bold, it, it2, code, old and both.")
        #expect(runs.contains(StyledRun("bold", "1")))
        #expect(runs.contains(StyledRun("it", "3")))
        #expect(runs.contains(StyledRun("it2", "3")))
        #expect(runs.contains(StyledRun("code", "36")))
        #expect(runs.contains(StyledRun("old", "9")))
        #expect(runs.contains(StyledRun("both", "1;3")))
    }

    @Test func textThatIsNotEmphasisStaysAsTyped() {
        for s in ["snake_case_name", "a * b * c", "2*3*4", "x = 2 * 3", "is_ok or a_b_c", "* not closed", "** x **", "a ~ b ~ c"] {
            let runs = r(s)
            #expect(runs.plain == s, "\(s)")
            #expect(runs.allSatisfy { $0.sgr == nil }, "\(s)")
        }
        #expect(r("__init__").plain == "init")  // CommonMark: strong
        #expect(r("foo*bar*").plain == "foobar")
    }

    @Test func nestingAndLeftovers() {
        #expect(r("**a *b* c**").plain == "a b c")
        #expect(r("**a *b* c**").contains(StyledRun("b", "1;3")))
        #expect(r("*foo**").plain == "foo*")
        #expect(r("**foo*").plain == "*foo")
        #expect(r("`a ** b` **c**").plain == "a ** b c")
    }

    @Test func escapesCodeSpansAndLinks() {
        #expect(r("\\*not\\* `` a`b ``").plain == "*not* a`b")
        let link = r("see [the docs](https://example.com/x) now")
        #expect(link.plain == "see the docs https://example.com/x now")
        #expect(link.contains(StyledRun("the docs", "4")))
        #expect(link.contains(StyledRun("https://example.com/x", "2")))
        #expect(r("<https://a.b/c>").plain == "https://a.b/c")
        #expect(r("[**bold** link](u)").plain == "bold link u")
    }

    @Test func pathologicalLinesStayLiteral() {
        // Unmatched closers, brackets and link openers: linear work (openers_bottom, bounded
        // link scans) and the text as typed.
        for s in [String(repeating: "a* ", count: 3000), String(repeating: "[", count: 8000),
                  String(repeating: "[a](", count: 2000), String(repeating: "_a ", count: 3000)] {
            #expect(r(s).plain == s)
        }
    }

    @Test func liveUnclosedOpenersAreDim() {
        let runs = r("so **bold and `code", live: true)
        #expect(runs.plain == "so **bold and `code")
        #expect(runs.contains(StyledRun("**", "2")))
        #expect(runs.contains(StyledRun("`", "2")))
        #expect(r("so **bold and `code").allSatisfy { $0.sgr == nil })
    }

    @Test func blockMarkers() {
        var m = MarkdownRenderer()
        m.width = 20
        #expect(m.commit("## Title **x** ##").first?.plain == "Title x")
        #expect(m.commit("> quoted *it*").first?.plain == "│ quoted it")
        #expect(m.commit("> > - deep").first?.plain == "│ │ • deep")
        #expect(m.commit("  - item `c`").first?.plain == "  • item c")
        #expect(m.commit("12. twelve").first?.plain == "12. twelve")
        #expect(m.commit("---").first?.plain == String(repeating: "─", count: 20))
        #expect(m.commit("#hashtag").first?.plain == "#hashtag")
        #expect(m.commit("```python").first == [StyledRun("python", "2")])
        #expect(m.fence != nil)
        #expect(m.commit("```") == [])
        #expect(m.commit("```") == [])
        #expect(m.commit("```").isEmpty && m.fence == nil)
    }

    @Test func codeBlocksForCopy() {
        let text = "a\n```swift\nlet x = 1\n\nprint(x)\n```\nb\n~~~\nraw ``` inside\n~~~\n```sh\nopen"
        #expect(MarkdownRenderer.codeBlocks(text) == ["let x = 1\n\nprint(x)", "raw ``` inside", "open"])
    }
}
