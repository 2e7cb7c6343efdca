import Testing
@testable import TerminalRendering

/// The code highlighter: text never changes, spans get the family's styles, state crosses lines.
@Suite struct CodeLexerTests {
    /// Highlights `code` line by line; returns each line's runs.
    func lex(_ code: String, _ language: String) -> [[StyledRun]] {
        var state = CodeLexer.State()
        let lang = CodeLanguage.named(language)
        return code.split(separator: "\n", omittingEmptySubsequences: false).map {
            CodeLexer.highlight(String($0), language: lang, state: &state)
        }
    }

    func style(_ lines: [[StyledRun]], _ text: String) -> String?? {
        for l in lines { if let r = l.first(where: { $0.text == text }) { return .some(r.sgr) } }
        return .none
    }

    static let samples: [(String, String, keyword: String, string: String, comment: String)] = [
        ("c", "int main(void) {\n  return printf(\"%d\\n\", 1); // done\n}", "return", "\"%d\\n\"", "// done"),
        ("cpp", "class A { public: std::string s = \"x\"; }; // c", "class", "\"x\"", "// c"),
        ("java", "public class A { String s = \"a\\\"b\"; } // c", "public", "\"a\\\"b\"", "// c"),
        ("kotlin", "fun main() { val s = \"x\" } // c", "fun", "\"x\"", "// c"),
        ("csharp", "using System; var s = \"x\"; // c", "using", "\"x\"", "// c"),
        ("go", "func main() { s := `raw` } // c", "func", "`raw`", "// c"),
        ("rust", "fn main() { let s = \"x\"; } // c", "fn", "\"x\"", "// c"),
        ("swift", "func f() -> Int { let s = \"x\" } // c", "func", "\"x\"", "// c"),
        ("js", "const s = 'x'; // c", "const", "'x'", "// c"),
        ("ts", "interface A { s: string } let t = `x` // c", "interface", "`x`", "// c"),
        ("php", "function f() { echo \"x\"; } # c", "function", "\"x\"", "# c"),
        ("python", "def f(): return 'x'  # c", "def", "'x'", "# c"),
        ("ruby", "def f; puts \"x\"; end # c", "def", "\"x\"", "# c"),
        ("bash", "if [ -n \"$x\" ]; then echo 'y'; fi # c", "if", "'y'", "# c"),
        ("yaml", "key: 'x' # c\nflag: true", "true", "'x'", "# c"),
        ("toml", "name = \"x\" # c\nok = true", "true", "\"x\"", "# c"),
        ("dockerfile", "FROM alpine\nRUN echo \"x\" # c", "FROM", "\"x\"", "# c"),
        ("sql", "SELECT name FROM t WHERE a = 'x'; -- c", "SELECT", "'x'", "-- c"),
        ("html", "<div class=\"x\">hi</div> <!-- c -->", "div", "\"x\"", "<!-- c -->"),
        ("json", "{\"k\": \"x\", \"n\": true} // c", "true", "\"x\"", "// c"),
        ("lua", "local s = 'x' -- c", "local", "'x'", "-- c"),
    ]

    @Test(arguments: 0..<samples.count)
    func familiesStyleKeywordsStringsAndComments(index: Int) {
        let (lang, code, kw, str, com) = Self.samples[index]
        let lines = lex(code, lang)
        // Styles stripped, the text is the code.
        #expect(lines.map(\.plain) == code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), "\(lang)")
        #expect(style(lines, kw) == .some(CodeLexer.keyword), "\(lang) keyword \(kw)")
        #expect(style(lines, str) == .some(CodeLexer.string), "\(lang) string \(str)")
        #expect(style(lines, com) == .some(CodeLexer.comment), "\(lang) comment \(com)")
    }

    @Test func stateCarriesAcrossLines() {
        let py = lex("x = 1\n\"\"\"doc\nstill doc # not a comment\nend\"\"\" + 'y'\n# real", "python")
        #expect(py[1] == [StyledRun("\"\"\"doc", CodeLexer.string)])
        #expect(py[2] == [StyledRun("still doc # not a comment", CodeLexer.string)])
        #expect(py[3].first == StyledRun("end\"\"\"", CodeLexer.string))
        #expect(py[4] == [StyledRun("# real", CodeLexer.comment)])
        let c = lex("a /* one\ntwo \"no string\"\nthree */ b", "c")
        #expect(c[1] == [StyledRun("two \"no string\"", CodeLexer.comment)])
        #expect(c[2].first == StyledRun("three */", CodeLexer.comment))
        let lua = lex("--[[ long\ncomment ]] x = [[multi\nline]]", "lua")
        #expect(lua[1].first == StyledRun("comment ]]", CodeLexer.comment))
        #expect(lua[2] == [StyledRun("line]]", CodeLexer.string)])
        let html = lex("<!-- a\nb --><p>", "html")
        #expect(html[1].first == StyledRun("b -->", CodeLexer.comment))
    }

    @Test func unknownLanguageIsOneColourAndDiffIsByLine() {
        #expect(lex("anything \"at\" all // x", "brainfuck") == [[StyledRun("anything \"at\" all // x", CodeLexer.unknown)]])
        let d = lex("--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same", "diff")
        #expect(d.map { $0.first?.sgr } == ["1", "1", "36", "31", "32", nil])
    }

    @Test func apostrophesAndLifetimesAreNotStrings() {
        let rust = lex("fn f<'a>(x: &'a str) {}", "rust")
        #expect(rust[0].plain == "fn f<'a>(x: &'a str) {}")
        let sh = lex("echo don't # c", "bash")
        #expect(sh[0].contains(StyledRun("# c", CodeLexer.comment)))
    }
}
