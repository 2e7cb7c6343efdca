import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LineEditor

@Suite struct CompletionTests {
    @Test func wordUnderCursor() {
        #expect(Completion.word(in: "/model 7", cursor: 8) == "7")
        #expect(Completion.word(in: "/model ", cursor: 7) == "")
        #expect(Completion.word(in: "/mo", cursor: 3) == "/mo")
        #expect(Completion.word(in: "/model xyz", cursor: 3) == "/mo")
        #expect(Completion.word(in: "你好 世", cursor: 4) == "世")
    }

    @Test func singleCandidateReplacesWordAndAddsSpace() {
        #expect(Completion.action(line: "/mo", cursor: 3, candidates: ["/model"], secondTab: false)
                == .replace(deleteScalars: 3, insert: "/model "))
    }

    @Test func commonPrefixIsCompleted() {
        #expect(Completion.action(line: "/model 1", cursor: 8, candidates: ["14B", "1.5B"], secondTab: false) == .beep)
        #expect(Completion.action(line: "x /s", cursor: 4, candidates: ["/system", "/sys2"], secondTab: false)
                == .replace(deleteScalars: 2, insert: "/sys"))
    }

    @Test func secondTabLists() {
        let c = ["72B", "32B"]
        #expect(Completion.action(line: "/model ", cursor: 7, candidates: c, secondTab: false) == .beep)
        #expect(Completion.action(line: "/model ", cursor: 7, candidates: c, secondTab: true) == .list(c))
    }

    @Test func noCandidatesBeeps() {
        #expect(Completion.action(line: "x", cursor: 1, candidates: [], secondTab: true) == .beep)
    }

    @Test func duplicatesCollapse() {
        #expect(Completion.action(line: "/h", cursor: 2, candidates: ["/help", "/help"], secondTab: false)
                == .replace(deleteScalars: 2, insert: "/help "))
    }

    @Test func columnsFitWidth() {
        let out = Completion.columns(["72B", "32B", "14B", "7B", "3B", "1.5B", "0.5B"], width: 80)
        #expect(out == "72B   32B   14B   7B    3B    1.5B  0.5B\n")
        let narrow = Completion.columns(["aaaa", "bbbb", "cccc"], width: 12)
        #expect(narrow == "aaaa  cccc\nbbbb\n")
    }

    @Test func wideCharactersCountDouble() {
        // wcwidth is locale dependent; LineEditor.init sets a UTF-8 LC_CTYPE the same way.
        _ = setlocale(LC_CTYPE, "C.UTF-8")
        #expect(Completion.displayWidth("你好") == 4)
        #expect(Completion.displayWidth("ab") == 2)
    }

    @Test func promptEscapesAreWrapped() {
        let p = "\u{1B}[1;36mqwen\u{1B}[0m ❯ "
        #expect(PromptMarkup.markEscapes(p) == "\u{1}\u{1B}[1;36m\u{1}qwen\u{1}\u{1B}[0m\u{1} ❯ ")
        #expect(PromptMarkup.markEscapes("plain> ") == "plain> ")
        let osc = "\u{1B}]8;;http://x\u{7}link\u{1B}]8;;\u{1B}\\"
        #expect(PromptMarkup.markEscapes(osc) == "\u{1}\u{1B}]8;;http://x\u{7}\u{1}link\u{1}\u{1B}]8;;\u{1B}\\\u{1}")
    }

    @Test func crlfNormalised() {
        #expect("a\r\nb\rc\n".replacingCRLF() == "a\nb\nc\n")
    }
}
