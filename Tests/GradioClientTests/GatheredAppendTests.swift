import Testing
@testable import GradioClient
import TestSupport

/// `GradioJob.gather` against the plain path it stands in for: a run of string-append tokens,
/// applied as one append of their text, leaves the outputs (and any failure) exactly as
/// decoding and applying each token does.
@Suite("Gathering streamed string appends")
struct GatheredAppendTests {
    static let eventID = "e1"
    /// A string target, a list target (a string append to it fails) and an object around a string.
    static let first = #"{"msg":"process_generating","event_id":"e1","output":{"data":["",["a"],{"t":"x"}],"is_generating":true},"success":true}"#

    private static func token(_ output: Int, _ path: String, _ value: String, tail: String = #","is_generating":true,"duration":0.01"#) -> String {
        var lists = ["[]", "[]", "[]"]
        lists[output] = #"[["append",\#(path),\#(value)]]"#
        return #"{"msg":"process_generating","event_id":"e1","output":{"data":[\#(lists.joined(separator: ","))]\#(tail)},"success":true}"#
    }

    /// What the client ends with: each step's outputs (as `follow` reports them) and the end.
    private struct Outcome: Equatable {
        var finalOutputs: [JSONValue]?
        var failure: GradioError?
        var gathered = 0
    }

    private static func start() throws -> GradioJob {
        var job = GradioJob(eventID: eventID, sendsDiffs: true)
        _ = job.handle(try job.decode(Array(first.utf8)))
        return job
    }

    /// Every message decoded and applied alone.
    private static func plain(_ messages: [[UInt8]]) throws -> Outcome {
        var job = try start()
        var outcome = Outcome()
        for message in messages {
            guard let decoded = try? job.decode(message) else { continue }
            if case .fail(let error) = job.handle(decoded) {
                outcome.failure = error
                break
            }
        }
        outcome.finalOutputs = job.outputs
        return outcome
    }

    /// The way `follow` reads them: tokens gathered, applied before anything else and at the
    /// end of each read (`reads` says where reads end).
    private static func gathering(_ messages: [[UInt8]], readEnds: Set<Int>) throws -> Outcome {
        var job = try start()
        var outcome = Outcome()
        func step(_ step: GradioJob.Step?) -> Bool {
            if case .fail(let error)? = step {
                outcome.failure = error
                return false
            }
            return true
        }
        for (index, message) in messages.enumerated() {
            let taken = message.withUnsafeBufferPointer { job.gather($0) }
            if taken {
                outcome.gathered += 1
            } else {
                guard step(job.applyGathered()) else { break }
                if let decoded = try? job.decode(message), !step(job.handle(decoded)) { break }
            }
            if readEnds.contains(index), !step(job.applyGathered()) { break }
        }
        if outcome.failure == nil { _ = step(job.applyGathered()) }
        outcome.finalOutputs = job.outputs
        return outcome
    }

    @Test("Plain, escaped and multi-byte tokens are gathered into the same text")
    func tokens() throws {
        let values = [#""Hel""#, #""lo, ""#, #""世界""#, #""\n\"q\"\\""#, #""\u00e9\ud83d\ude00""#, #""\ud83d""#, #""\ude00""#, #""""#, #""👍🏽""#]
        let messages = values.map { Array(Self.token(0, "[]", $0).utf8) }
        let gathered = try Self.gathering(messages, readEnds: [])
        #expect(gathered.gathered == values.count)
        #expect(gathered == Outcome(finalOutputs: try Self.plain(messages).finalOutputs, gathered: values.count))
        #expect(gathered.finalOutputs?[0] == .string("Hello, 世界\n\"q\"\\é😀\u{FFFD}\u{FFFD}👍🏽"))
    }

    @Test("A token whose bytes are not valid UTF-8 is left to the plain path, which repairs it")
    func invalidUTF8() throws {
        var broken = Array(Self.token(0, "[]", #""ab""#).utf8)
        let at = broken.firstIndex(of: UInt8(ascii: "b"))!
        broken[at] = 0xE4   // a lead byte without its continuation bytes
        let messages = [Array(Self.token(0, "[]", #""x""#).utf8), broken, Array(Self.token(0, "[]", #""y""#).utf8)]
        let gathered = try Self.gathering(messages, readEnds: [])
        #expect(gathered.gathered == 2)
        #expect(gathered.finalOutputs == (try Self.plain(messages)).finalOutputs)
        #expect(gathered.finalOutputs?[0] == .string("xa\u{FFFD}y"))
    }

    @Test("Tokens to another place, other ops and other messages end a run; failures match", arguments: 0..<300)
    func randomStreams(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        let pieces = [#""a""#, #""bc""#, #""é""#, #""\n""#, #""\u4e16""#, #""""#, #""\ud83d""#]
        var messages: [[UInt8]] = []
        for _ in 0..<Int.random(in: 1...40, using: &rng) {
            let value = pieces.randomElement(using: &rng)!
            let text: String
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: text = Self.token(1, "[]", value)                        // a string appended to a list: fails
            case 1: text = Self.token(2, #"["t"]"#, value)                  // another place
            case 2: text = Self.token(0, "[]", #"["x"]"#)                    // a list appended to a string: fails
            case 3: text = #"{"msg":"process_generating","event_id":"e1","output":{"data":[[["replace",[],"R"]],[],[]]},"success":true}"#
            case 4: text = #"{"msg":"heartbeat"}"#
            case 5: text = Self.token(0, "[]", value, tail: #","error":null"#)  // `error` after data: the general path
            case 6: text = Self.token(0, "[ ]", value)                        // the same path, written differently
            case 7: text = #"{"msg":"process_generating","event_id":"e2","output":{"data":[[["append",[],"other job"]],[],[]]},"success":true}"#
            case 8: text = Self.token(0, "[]", value, tail: #","is_generating":true,"duration":"0.5""#)   // a number became a string
            case 9: text = Self.token(0, "[]", value, tail: #","is_generating":true,"duration":1e-3,"average_duration":-7"#)
            case 10: text = Self.token(0, "[]", value, tail: #","is_generating":true,"duration":01.5"#)     // not a JSON number
            default:
                let duration = [String(Double.random(in: 0..<1, using: &rng)), "0", "12", "3.5E+2", "-1"].randomElement(using: &rng)!
                text = Self.token(0, "[]", value, tail: #","is_generating":true,"duration":\#(duration)"#)
            }
            messages.append(Array(text.utf8))
        }
        let readEnds = Set((0..<messages.count).filter { _ in Int.random(in: 0..<4, using: &rng) == 0 })
        let expected = try Self.plain(messages)
        var gathered = try Self.gathering(messages, readEnds: readEnds)
        gathered.gathered = 0
        #expect(gathered == expected)
    }

    @Test("A token template takes tokens that differ only in their string and numbers")
    func templates() throws {
        let made = Array(Self.token(0, "[]", #""a""#, tail: #","duration":0.25,"x":[1,"2"]"#).utf8)
        var memo = EditPathMemo()
        var text: [UInt8] = []
        let found = try #require(made.withUnsafeBufferPointer {
            GradioMessage.streamedStringAppend($0, prefix: StreamedDiffPrefix(eventID: Self.eventID), outputs: 3, memo: &memo, text: &text)
        })
        let template = made.withUnsafeBufferPointer { TokenTemplate(message: $0, string: found.string, index: found.index, path: found.path) }
        func read(_ message: String) -> String? {
            var text: [UInt8] = []
            let taken = Array(message.utf8).withUnsafeBufferPointer { template.read($0, into: &text) }
            if !taken { #expect(text.isEmpty) }
            return taken ? String(decoding: text, as: UTF8.self) : nil
        }
        #expect(read(Self.token(0, "[]", #""b\nc""#, tail: #","duration":-1.5e10,"x":[22,"2"]"#)) == "b\nc")
        #expect(read(Self.token(0, "[]", #""""#, tail: #","duration":0.25,"x":[1,"2"]"#)) == "")
        #expect(read(Self.token(0, "[]", #""a""#, tail: #","duration":"0.25","x":[1,"2"]"#)) == nil)
        #expect(read(Self.token(0, "[]", #""a""#, tail: #","duration":0.25,"x":[1,"3"]"#)) == nil)
        #expect(read(Self.token(0, "[]", #""a""#, tail: #","duration":0.25,"x":[1,"2"],"error":null"#)) == nil)
        #expect(read(Self.token(0, "[]", #""a""#, tail: #","duration":1.,"x":[1,"2"]"#)) == nil)
        #expect(read(Self.token(0, "[]", #""a""#, tail: #","duration":0.25,"x":[1,"2"]"#) + " ") == nil)
        #expect(read(Self.token(0, "[ ]", #""a""#, tail: #","duration":0.25,"x":[1,"2"]"#)) == nil)
        #expect(read(Self.token(0, "[]", #""unterminated"#, tail: "")) == nil)
    }

    @Test("Real Gradio streams, whose durations change every token, fit the template made from their first token", arguments: [
        "gradio-4.44.1/normal-stream.txt", "harness/replica-4.44.1-normal.txt", "harness/gradio-5.50.0-normal.txt", "harness/gradio-6.31.0-normal.txt",
    ])
    func realStreamsFitTemplates(capture name: String) throws {
        let capture = Capture.load(name)
        let eventID = try #require(capture.eventID)
        let tokens = capture.body.split(separator: "\n").filter { $0.hasPrefix("data: ") && $0.contains(#"["append""#) }.map { Array($0.dropFirst(6).utf8) }
        #expect(tokens.count > 5)
        let durations = Set(tokens.map { String(decoding: $0, as: UTF8.self).firstMatch(of: /"duration":([0-9.e-]+)/)?.1 ?? "" })
        #expect(durations.count > 1, "the capture's tokens should differ in their numbers")
        let outputs = try #require(capture.events.first { $0["msg"]?.stringValue == "process_generating" }?["output"]?["data"]?.arrayValue?.count)
        var memo = EditPathMemo()
        var text: [UInt8] = []
        let first = try #require(tokens[0].withUnsafeBufferPointer {
            GradioMessage.streamedStringAppend($0, prefix: StreamedDiffPrefix(eventID: eventID), outputs: outputs, memo: &memo, text: &text)
        })
        let template = tokens[0].withUnsafeBufferPointer { TokenTemplate(message: $0, string: first.string, index: first.index, path: first.path) }
        var fitted: [UInt8] = []
        var slow: [UInt8] = []
        for token in tokens.dropFirst() {
            #expect(token.withUnsafeBufferPointer { template.read($0, into: &fitted) }, "\(String(decoding: token, as: UTF8.self))")
            let found = token.withUnsafeBufferPointer {
                GradioMessage.streamedStringAppend($0, prefix: StreamedDiffPrefix(eventID: eventID), outputs: outputs, memo: &memo, text: &slow)
            }
            #expect(found?.index == template.index && found?.path == template.path)
        }
        #expect(fitted == slow)
    }

    @Test("Nothing is gathered before the outputs are known or for a job without diffs")
    func notBeforeOutputs() throws {
        let message = Array(Self.token(0, "[]", #""a""#).utf8)
        var fresh = GradioJob(eventID: Self.eventID, sendsDiffs: true)
        #expect(!message.withUnsafeBufferPointer { fresh.gather($0) })
        var full = GradioJob(eventID: Self.eventID, sendsDiffs: false)
        _ = full.handle(try full.decode(Array(Self.first.utf8)))
        #expect(!message.withUnsafeBufferPointer { full.gather($0) })
        #expect(full.applyGathered() == nil)
    }

    @Test("UTF-8 validity agrees with the standard library on every short sequence")
    func utf8Validity() {
        var rng = SplitMix64(seed: 7)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<50_000 {
            let bytes = (0..<Int.random(in: 0...6, using: &rng)).map { _ in interesting.randomElement(using: &rng)! }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBufferPointer { JSONParser.isValidUTF8($0) } == expected, "\(bytes)")
        }
    }
}
