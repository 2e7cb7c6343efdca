import Testing
@testable import TerminalRendering

func isSafe(_ s: String) -> Bool {
    s.unicodeScalars.allSatisfy { u in
        let v = u.value
        return v == 0x0A || v == 0x09 || (v >= 0x20 && v != 0x7F && !(0x80...0x9F).contains(v))
    }
}

func sanitizeAll(_ chunks: [String]) -> String {
    var s = ControlSanitizer()
    var out = ""
    for c in chunks { out += s.sanitize(c) }
    return out + s.finish()
}

/// A sample containing every kind of sequence and control.
let hostileSample = "a\u{1B}[2Jb\u{1B}]0;title\u{07}c\u{1B}]52;c;aGVsbG8=\u{1B}\\d"
    + "\u{1B}]8;;http://evil\u{1B}\\link\u{1B}]8;;\u{1B}\\e\u{1B}Pq#0\u{1B}\\f\u{1B}X sos\u{1B}\\"
    + "\u{1B}^pm\u{1B}\\\u{1B}_apc\u{1B}\\g\u{1B}c\u{1B}7h\u{9B}31mi\u{9D}2;t\u{9C}j\u{90}dcs\u{9C}"
    + "\u{00}\u{07}\u{08}\u{0B}\u{0C}\u{7F}k\rl\r\nm\n\tn\u{85}o中👍🏽\u{1B}(Bp\r"

@Suite struct SanitizerTests {
    @Test("Copying safe runs whole gives what the state machine gives scalar by scalar")
    func bulkPathMatchesScalarPath() {
        var rng = SystemRandomNumberGenerator()
        let pieces: [String] = ["a", "Hello, world. ", "\n", "\t", "\r", "\r\n", "\u{1B}", "[", "]", "31m", "0;t", "\u{07}",
                                "\\", "\u{7F}", "\u{85}", "\u{9B}", "\u{9C}", "\u{A0}", "é", "中", "👍🏽", "\u{00}", "P", "_"]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0..<30, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var bulk = ControlSanitizer()
            let fast = bulk.sanitize(text) + bulk.finish()
            var slow = ControlSanitizer()
            var bytes: [UInt8] = []
            for scalar in text.unicodeScalars { slow.feed(scalar, into: &bytes) }
            let expected = String(decoding: bytes, as: UTF8.self) + slow.finish()
            #expect(fast == expected, "\(text.debugDescription)")
            #expect(bulk.neutralizedCount == slow.neutralizedCount)
        }
    }

    @Test func csiIsVisible() {
        #expect(sanitizeAll(["x\u{1B}[2Jy"]) == "x␛[2Jy")
        #expect(sanitizeAll(["\u{1B}[1;31mred\u{1B}[0m"]) == "␛[1;31mred␛[0m")
    }

    @Test func oscTitleHyperlinkClipboard() {
        #expect(sanitizeAll(["\u{1B}]0;pwned\u{07}"]) == "␛]0;pwned␇")
        #expect(sanitizeAll(["\u{1B}]2;t\u{1B}\\"]) == "␛]2;t␛\\")
        #expect(sanitizeAll(["\u{1B}]52;c;ZXZpbA==\u{07}"]) == "␛]52;c;ZXZpbA==␇")
        #expect(sanitizeAll(["\u{1B}]8;;https://x\u{1B}\\click\u{1B}]8;;\u{1B}\\"]) == "␛]8;;https://x␛\\click␛]8;;␛\\")
    }

    @Test func stringSequences() {
        for intro in ["P", "X", "^", "_"] {
            #expect(sanitizeAll(["\u{1B}\(intro)payload\u{1B}\\"]) == "␛\(intro)payload␛\\")
        }
    }

    @Test func singleCharacterEscapes() {
        #expect(sanitizeAll(["\u{1B}c\u{1B}7\u{1B}8\u{1B}(0"]) == "␛c␛7␛8␛(0")
    }

    @Test func c1Controls() {
        #expect(sanitizeAll(["\u{9B}2J"]) == "<U+009B>2J")
        #expect(sanitizeAll(["\u{9D}0;t\u{9C}"]) == "<U+009D>0;t<U+009C>")
        for v in 0x80...0x9F {
            let out = sanitizeAll([String(Unicode.Scalar(UInt32(v))!)])
            #expect(isSafe(out) && out.hasPrefix("<U+00"))
        }
    }

    @Test func c0AndDel() {
        #expect(sanitizeAll(["a\u{07}b"]) == "a␇b")
        #expect(sanitizeAll(["\u{00}"]) == "␀")
        #expect(sanitizeAll(["\u{08}"]) == "␈")
        #expect(sanitizeAll(["\u{7F}"]) == "␡")
        for v in 0..<0x20 where v != 0x0A && v != 0x09 && v != 0x0D {
            let out = sanitizeAll(["a" + String(Unicode.Scalar(UInt32(v))!)])
            #expect(isSafe(out) && out.count == 2)
        }
        #expect(sanitizeAll(["a\n\tb"]) == "a\n\tb")
    }

    @Test func carriageReturns() {
        #expect(sanitizeAll(["a\r\nb"]) == "a\nb")
        #expect(sanitizeAll(["a\rb"]) == "a␍b")
        #expect(sanitizeAll(["a\r", "\nb"]) == "a\nb")
        #expect(sanitizeAll(["a\r", "b"]) == "a␍b")
        #expect(sanitizeAll(["a\r"]) == "a␍")
        #expect(sanitizeAll(["\r\r\n"]) == "␍\n")
    }

    @Test func splitAcrossChunks() {
        // ESC in one chunk, `]0;title` in the next, BEL in a third.
        #expect(sanitizeAll(["x\u{1B}", "]0;title", "\u{07}y"]) == "x␛]0;title␇y")
    }

    @Test func everySplitGivesTheSameOutput() {
        let whole = sanitizeAll([hostileSample])
        #expect(isSafe(whole))
        let scalars = Array(hostileSample.unicodeScalars)
        func str(_ r: ArraySlice<Unicode.Scalar>) -> String { var v = String.UnicodeScalarView(); v.append(contentsOf: r); return String(v) }
        for i in 0...scalars.count {
            #expect(sanitizeAll([str(scalars[..<i]), str(scalars[i...])]) == whole)
        }
        // Three pieces, every pair of cut points.
        var mismatches = 0
        for i in 0...scalars.count {
            for j in i...scalars.count {
                let out = sanitizeAll([str(scalars[..<i]), str(scalars[i..<j]), str(scalars[j...])])
                if out != whole { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        // One scalar at a time.
        #expect(sanitizeAll(scalars.map { String($0) }) == whole)
    }

    @Test func unterminatedStringDoesNotSwallowLines() {
        var s = ControlSanitizer()
        let out = s.sanitize("\u{1B}]0;never ends\nnext line\n") + s.finish()
        #expect(out == "␛]0;never ends\nnext line\n")
        let long = String(repeating: "A", count: 20_000)
        var t = ControlSanitizer()
        let o2 = t.sanitize("\u{1B}P" + long) + t.finish()
        #expect(o2.count == 20_002)  // shown as it arrives, not buffered
    }

    @Test func countsNeutralised() {
        var s = ControlSanitizer()
        _ = s.sanitize("\u{1B}[2J\u{07}\u{9B}")
        #expect(s.neutralizedCount == 3)
    }

    @Test func plainTextUnchanged() {
        let t = "Hello, 世界! 👨‍👩‍👧 café\n\tindent"
        #expect(sanitizeAll([t]) == t)
    }
}

@Suite struct DisplayWidthTests {
    @Test func basics() {
        #expect(DisplayWidth.of("a" as Character) == 1)
        #expect(DisplayWidth.of("中" as Character) == 2)
        #expect(DisplayWidth.of("한" as Character) == 2)
        #expect(DisplayWidth.of("\u{1112}\u{1161}\u{11AB}" as Character) == 2)  // decomposed Hangul
        #expect(DisplayWidth.of("ア" as Character) == 2)
        #expect(DisplayWidth.of("ｱ" as Character) == 1)  // halfwidth katakana
        #expect(DisplayWidth.of("Ａ" as Character) == 2)  // fullwidth
        #expect(DisplayWidth.of("é" as Character) == 1)
        #expect(DisplayWidth.of("e\u{301}" as Character) == 1)
        #expect(DisplayWidth.of("\u{7}" as Character) == 0)
        #expect(DisplayWidth.of("\u{200D}" as Character) == 0)
        #expect(DisplayWidth.of("␛" as Character) == 1)
    }

    @Test func emoji() {
        #expect(DisplayWidth.of("👍" as Character) == 2)
        #expect(DisplayWidth.of("👍🏽" as Character) == 2)
        #expect(DisplayWidth.of("👨‍👩‍👧" as Character) == 2)
        #expect(DisplayWidth.of("🇯🇵" as Character) == 2)
        #expect(DisplayWidth.of("1️⃣" as Character) == 2)
        #expect(DisplayWidth.of("❤" as Character) == 1)
        #expect(DisplayWidth.of("❤️" as Character) == 2)
        #expect(DisplayWidth.of("🏳️‍🌈" as Character) == 2)
        #expect(DisplayWidth.of("☝🏽" as Character) == 2)
    }

    @Test func strings() {
        #expect(DisplayWidth.of("a中👍🏽") == 5)
        #expect(DisplayWidth.of("héllo"[...]) == 5)
        #expect(DisplayWidth.of("") == 0)
    }
}
