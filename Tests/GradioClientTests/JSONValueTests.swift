import TestSupport
import Testing
@testable import GradioClient

@Suite("JSONValue parsing and serialization")
struct JSONValueTests {
    @Test func objectKeyOrderIsKept() throws {
        let text = #"{"zeta":1,"alpha":2,"mid":{"b":true,"a":null},"0":[]}"#
        let value = try JSONValue.parse(text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid", "0"])
        #expect(value["mid"]?.objectValue?.keys == ["b", "a"])
        #expect(value.jsonText == text)
    }

    @Test func duplicateKeysKeepTheLastValueInTheFirstPosition() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.jsonText == #"{"a":3,"b":2}"#)
    }

    @Test("number text is kept exactly", arguments: [
        "0.27136194705963135", "1e-7", "-0", "0", "-0.0", "3", "1E+300", "2.5e10",
        "123456789012345678901234567890", "-98765432109876543210", "0.1000000000000000055511151231257827",
        "NaN", "Infinity", "-Infinity",
    ])
    func numberTextKept(text: String) throws {
        let value = try JSONValue.parse(text)
        #expect(value == .number(text))
        #expect(value.jsonText == text)
        let wrapped = try JSONValue.parse("[\(text), {\"n\": \(text)}]")
        #expect(wrapped.jsonText == "[\(text),{\"n\":\(text)}]")
    }

    @Test func numberAccessors() throws {
        #expect(try JSONValue.parse("3").intValue == 3)
        #expect(try JSONValue.parse("3.0").intValue == 3)
        #expect(try JSONValue.parse("1e2").intValue == 100)
        #expect(try JSONValue.parse("3.5").intValue == nil)
        #expect(try JSONValue.parse("0.25").doubleValue == 0.25)
        #expect(try JSONValue.parse("\"3\"").intValue == nil)
    }

    @Test("escapes decode", arguments: [
        (#""\u00e9""#, "é"),
        (#""\u00E9t\u00e9""#, "été"),
        (#""\ud83d\ude42""#, "🙂"),
        (#""\uD834\uDD1E""#, "𝄞"),
        (#""\ud800""#, "\u{FFFD}"),
        (#""\udc00""#, "\u{FFFD}"),
        (#""\ud800x""#, "\u{FFFD}x"),
        (#""\ud800\u0041""#, "\u{FFFD}A"),
        (#""\ud800\ud800\udc00""#, "\u{FFFD}\u{10000}"),
        (#""\ude42\ud83d""#, "\u{FFFD}\u{FFFD}"),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        (#""\u0000""#, "\u{0}"),
        (#""plain 你好 🙂""#, "plain 你好 🙂"),
        (#""a\nb""#, "a\nb"),
    ])
    func escapes(text: String, expected: String) throws {
        let value = try JSONValue.parse(text)
        guard case .string(let s) = value else {
            Issue.record("not a string: \(value)")
            return
        }
        #expect(Array(s.unicodeScalars) == Array(expected.unicodeScalars))
        // And it serializes to something that parses back to the same scalars.
        let again = try JSONValue.parse(value.jsonText)
        #expect(again.stringValue.map { Array($0.unicodeScalars) } == Array(expected.unicodeScalars))
    }

    @Test func invalidUTF8InStringsIsRepaired() throws {
        let bytes: [UInt8] = Array("\"a".utf8) + [0xFF, 0xC3] + Array("b\"".utf8)
        let value = try JSONValue.parse(bytes)
        #expect(value.stringValue?.hasPrefix("a\u{FFFD}") == true)
        #expect(value.stringValue?.hasSuffix("b") == true)
    }

    @Test func serializationEscapesControlCharactersOnly() throws {
        let value = JSONValue.string("q\"b\\n\n\r\t\u{1}\u{1F}\u{7F}é🙂/")
        #expect(value.jsonText == #""q\"b\\n\n\r\t\u0001\u001f\u007fé🙂/""#)
        #expect(try JSONValue.parse(value.jsonText) == value)
        #expect(JSONValue.object(JSONObject([("k\"", .array([.null, .bool(true), .bool(false), .number(-1)]))])).jsonText
            == #"{"k\"":[null,true,false,-1]}"#)
    }

    @Test("every capture event round-trips byte for byte", arguments: Capture.all)
    func captureRoundTrip(capture: Capture) throws {
        let lines = capture.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        #expect(!lines.isEmpty)
        for line in lines {
            let value = try JSONValue.parse(line)
            let text = value.jsonText
            let again = try JSONValue.parse(text)
            #expect(again == value)
            #expect(again.isSemanticallyEqual(to: value))
            // Gradio writes compact JSON without \u escapes, so the text comes back unchanged.
            #expect(text == line)
            #expect(value.jsonBytes == Array(line.utf8))
        }
    }

    @Test("config fixtures round-trip", arguments: ["gradio-4.44.1/config.json", "gradio-6.31.0/config.json"])
    func configRoundTrip(path: String) throws {
        let value = try JSONValue.parse(Fixtures.bytes(path))
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    @Test("malformed input is rejected", arguments: [
        "", " ", "{} x", "[1] [2]", "1 2", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}",
        "\"abc", "\"abc\\", "\"a\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\uXYZW\"", "[", "{", "[1", "{\"a\":1",
        "tru", "nul", "falsey", "-", "1.", ".5", "1e", "1e+", "+1", "--1", "NaNa", "Inf", "[1}", "{]",
        "\u{FEFF}{}",
    ])
    func malformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test("a number with a leading zero is rejected, as JSON says", arguments: [
        "01", "-01", "00", "-00", "0123e4", "[1,02]", #"{"n":012.5}"#,
    ])
    func leadingZeros(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test("a raw control character in a string is rejected, as JSON says", arguments: [
        "\"a\u{1}b\"", "\"tab\there\"", "\"line\nbreak\"", "\"cr\r\"", "\"\u{0}\"", "\"\u{1F}\"",
        "{\"a\nb\":1}", "[\"ok\", \"esc\\n then raw\n\"]",
    ])
    func controlCharacters(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test("what JSON allows next to those stays valid")
    func strictnessEdges() throws {
        for text in ["0", "-0", "0.05", "10", "1e05", "0e0", "-0.0E-00"] {
            #expect(try JSONValue.parse(text) == .number(text))
        }
        #expect(try JSONValue.parse("\"del\u{7F} \\n \\t \\u0001\"") == .string("del\u{7F} \n \t \u{1}"))
        #expect(try JSONValue.parse(" [\t1,\r\n2 ]\n") == .array([.number(1), .number(2)]))
    }

    @Test func controlCharacterErrorPointsAtIt() {
        #expect(throws: JSONParseError(offset: 3, reason: "control character in a string")) { try JSONValue.parse("\"ab\nc\"") }
        #expect(throws: JSONParseError(offset: 1, reason: "leading zero")) { try JSONValue.parse("01") }
    }

    @Test func errorOffsetPointsAtTheProblem() {
        do {
            _ = try JSONValue.parse("[1, 2] x")
            Issue.record("no error")
        } catch let error as JSONParseError {
            #expect(error.offset == 7)
            #expect(error.description.contains("byte 7"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func depthLimit() throws {
        let limit = JSONParser.maximumDepth
        let ok = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(tooDeep) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "{\"a\":", count: 100_000)) }
        let balanced = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(balanced) }
    }

    @Test func semanticEqualityIgnoresMemberOrderOnly() throws {
        let a = try JSONValue.parse(#"{"a":1,"b":[{"x":1,"y":2}]}"#)
        let b = try JSONValue.parse(#"{"b":[{"y":2,"x":1}],"a":1}"#)
        let c = try JSONValue.parse(#"{"b":[{"y":2,"x":1}],"a":2}"#)
        let d = try JSONValue.parse(#"{"b":[{"y":2,"x":1}],"a":1,"c":null}"#)
        #expect(a != b)
        #expect(a.isSemanticallyEqual(to: b))
        #expect(!a.isSemanticallyEqual(to: c))
        #expect(!a.isSemanticallyEqual(to: d))
        #expect(!d.isSemanticallyEqual(to: a))
        #expect(!JSONValue.array([.number(1)]).isSemanticallyEqual(to: .array([.number(1), .number(1)])))
    }

    @Test func subscriptsAndAccessors() throws {
        let value = try JSONValue.parse(#"{"a":[10,"s",true,null]}"#)
        #expect(value["a"]?[0]?.intValue == 10)
        #expect(value["a"]?[1]?.stringValue == "s")
        #expect(value["a"]?[2]?.boolValue == true)
        #expect(value["a"]?[3]?.isNull == true)
        #expect(value["a"]?[4] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["missing"] == nil)
        #expect(value[0] == nil)
    }
}
