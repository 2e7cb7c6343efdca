import Testing
@testable import GradioClient
import TestSupport
import Foundation

/// The byte-level message decoders against the plain path they stand in for: parse the whole
/// JSON text, then read the message from the tree.
@Suite("Decoding messages from bytes")
struct MessageDecodingTests {
    /// What the client reads of a message: `output` cut to the members the byte decoder
    /// keeps and, when edits are expected, `data` read as edit ops wherever the ops decode
    /// (the way `GradioJob` reads it when the decoder left it as JSON).
    private struct Reading: Equatable {
        var kind: GradioMessage.Kind
        var eventID: String?
        var edits: [[EditOperation]]?

        init(_ message: GradioMessage, expectingEdits: Bool = true) {
            eventID = message.eventID
            edits = message.edits
            switch message.kind {
            case .processGenerating(let output, let success):
                var output = Self.kept(output)
                if expectingEdits, edits == nil, case .object(var object) = output, case .array(let lists)? = object["data"],
                   let ops = Self.ops(lists) {
                    edits = ops
                    object["data"] = nil
                    output = .object(object)
                }
                kind = .processGenerating(output: output, success: success)
            case .processCompleted(let output, let success):
                kind = .processCompleted(output: Self.kept(output), success: success)
            default:
                kind = message.kind
            }
        }

        private static func kept(_ output: JSONValue) -> JSONValue {
            guard case .object(let object) = output else { return output }
            var kept = JSONObject()
            for (key, value) in object.members where key == "data" || key == "error" { kept[key] = value }
            return .object(kept)
        }

        private static func ops(_ lists: [JSONValue]) -> [[EditOperation]]? {
            var result: [[EditOperation]] = []
            for list in lists {
                guard case .array(let wires) = list else { return nil }
                var ops: [EditOperation] = []
                for wire in wires {
                    guard let op = try? EditOperation(wire: wire) else { return nil }
                    ops.append(op)
                }
                result.append(ops)
            }
            return result
        }
    }

    /// The plain path: the whole tree, then the message read from it.
    private func plain(_ text: String, expectingEdits: Bool = true) throws -> Reading {
        Reading(try GradioMessage(json: JSONValue.parse(text)), expectingEdits: expectingEdits)
    }

    private static let lines: [String] = Capture.all.flatMap { capture in
        capture.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    @Test("every captured message reads the same from bytes as from its parsed tree", arguments: [false, true])
    func capturesAgree(expectingEdits: Bool) throws {
        #expect(Self.lines.count > 100)
        for line in Self.lines {
            let fromBytes = Reading(try GradioMessage(bytes: Array(line.utf8), eventID: nil, expectingEdits: expectingEdits), expectingEdits: expectingEdits)
            #expect(fromBytes == (try plain(line, expectingEdits: expectingEdits)), "\(line.prefix(160))")
        }
    }

    @Test func theStreamedDiffPathAgreesAndTakesNearlyEveryToken() throws {
        var taken = 0
        var diffs = 0
        for capture in Capture.all {
            let id = capture.eventID ?? ""
            for line in capture.body.split(separator: "\n").filter({ $0.hasPrefix("data: ") }).map({ String($0.dropFirst(6)) }) {
                let expected = try plain(line, expectingEdits: true)
                if expected.edits != nil, case .processGenerating(_, true) = expected.kind { diffs += 1 }
                guard let fast = Array(line.utf8).withUnsafeBufferPointer({ GradioMessage(streamedDiff: $0, eventID: id) }) else { continue }
                taken += 1
                #expect(Reading(fast) == expected, "\(line.prefix(160))")
            }
        }
        #expect(diffs > 100)
        #expect(taken == diffs)
    }

    private static let base = #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]],"is_generating":true,"duration":0.01,"average_duration":0.02,"render_config":null,"changed_state_ids":[]},"success":true}"#

    @Test("the streamed-diff path declines what it does not fully understand, and the full decoder still reads it", arguments: [
        // member order
        #"{"event_id":"e1","msg":"process_generating","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]]},"success":true}"#,
        #"{"msg":"process_generating","event_id":"e1","success":true,"output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]]}}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"is_generating":true,"data":[[],[["append",[0,1,"text"],"tok"]],[]]},"success":true}"#,
        // members that matter, repeated or unusual
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]],"data":[[],[],[]]},"success":true}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]],"error":"boom"},"success":true}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]]},"success":false}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]]},"success":true,"msg":"log"}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]]},"msg":"process_completed"}"#,
        #"{"msg":"process_generating","event_id":"e2","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]]},"success":true}"#,
        #"{"ms\u0067":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]]},"success":true}"#,
        // edit lists of another shape
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1.0,"text"],"tok"]],[]]},"success":true}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok","extra"]],[]]},"success":true}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["prepend",[0],"tok"]],[]]},"success":true}"#,
        #"{"msg":"process_generating","event_id":"e1","output":{"data":["",[[{"text":"q"},{"text":""}]],"s"]},"success":true}"#,
    ])
    func fastPathDeclines(text: String) throws {
        let fast = Array(text.utf8).withUnsafeBufferPointer { GradioMessage(streamedDiff: $0, eventID: "e1") }
        #expect(fast == nil)
        let full = try GradioMessage(bytes: Array(text.utf8), eventID: "e1", expectingEdits: true)
        #expect(Reading(full) == (try plain(text, expectingEdits: true)))
    }

    @Test func aRememberedPathIsOnlyReusedForTheSameBytes() throws {
        var memo = EditPathMemo()
        func read(_ text: String) -> [[EditOperation]]? {
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                var parser = JSONParser(buffer)
                return parser.parseEditLists(memo: &memo)
            }
        }
        let texts = [
            #"[[["append",[0,1,"text"],"a"]]]"#, #"[[["append",[0,1,"text"],"b"]]]"#, #"[[["append",[0,1,"text2"],"c"]]]"#,
            #"[[["append",[0,1],"d"]]]"#, #"[[["append",[0,1,2],"e"]]]"#, #"[[["append",[0, 1],"f"]]]"#, #"[[["append",[],"g"]]]"#,
            #"[[["append",[0,1,"text"],"h"],["append",[0,1,"text"],"i"]]]"#,
        ]
        for text in texts {
            let expected = try JSONValue.parse(text).arrayValue!.map { try $0.arrayValue!.map(EditOperation.init(wire:)) }
            #expect(read(text) == expected, "\(text)")
        }
    }

    @Test func completedValuesThatLookLikeEditListsStayValues() throws {
        let text = #"{"msg":"process_completed","event_id":"e1","output":{"data":[[],[],[]]},"success":true}"#
        let message = try GradioMessage(bytes: Array(text.utf8), eventID: "e1", expectingEdits: true)
        #expect(message.edits == nil)
        #expect(message.kind == .processCompleted(output: .object(JSONObject([("data", .array([.array([]), .array([]), .array([])]))])), success: true))
    }

    @Test func theStreamedDiffPathAllowsWhitespaceAndAbsentValues() throws {
        let spaced = #" { "msg" : "process_generating" , "event_id" : "e1" , "output" : { "data" : [ [ ] , [ [ "append" , [ 0 , 1 , "text" ] , "tok" ] , [ "delete" , [ 2 ] ] ] , [ ] ] , "x" : [1, {"y": null}] } , "success" : true } "#
        let fast = try #require(Array(spaced.utf8).withUnsafeBufferPointer { GradioMessage(streamedDiff: $0, eventID: "e1") })
        #expect(fast.edits == [[], [EditOperation(.append, [.index(0), .index(1), .key("text")], .string("tok")), EditOperation(.delete, [.index(2)])], []])
        #expect(Reading(fast) == (try plain(spaced)))
    }

    @Test("broken messages are rejected as the JSON parser rejects them", arguments: [
        String(base.dropLast()), base + "x", base.replacingOccurrences(of: "0.01", with: "0."),
        base.replacingOccurrences(of: "null", with: "nul"), base.replacingOccurrences(of: #""tok""#, with: #""to\q""#),
        base.replacingOccurrences(of: "[]}", with: "[}"), "[1,2]", "\"x\"", "",
        // nested deeper than the parser allows, inside an op's value
        base.replacingOccurrences(of: #""tok""#, with: String(repeating: "[", count: 510) + String(repeating: "]", count: 510)),
    ])
    func brokenMessages(text: String) {
        let fast = Array(text.utf8).withUnsafeBufferPointer { GradioMessage(streamedDiff: $0, eventID: "e1") }
        #expect(fast == nil)
        #expect(throws: (any Error).self) { try GradioMessage(bytes: Array(text.utf8), eventID: "e1", expectingEdits: true) }
    }

    @Test("property: skipping a value accepts exactly what parsing accepts", arguments: [UInt64(11), 12, 13])
    func skipAgreesWithParse(seed: UInt64) {
        var generator = JSONGenerator(rng: SplitMix64(seed: seed))
        var rng = SplitMix64(seed: seed &* 31)
        for _ in 0..<1500 {
            var bytes = Array(generator.value(depth: 4).jsonText.utf8)
            // Half the time, break it: cut it short, or change, drop or insert a byte.
            if generator.chance(0.5), !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                let junk: [UInt8] = Array(#"{}[],:"\ 0123456789.eE+-tfnrulasINaf"#.utf8)
                switch Int.random(in: 0...3, using: &rng) {
                case 0: bytes.removeSubrange(at...)
                case 1: bytes[at] = junk.randomElement(using: &rng)!
                case 2: bytes.remove(at: at)
                default: bytes.insert(junk.randomElement(using: &rng)!, at: at)
                }
            }
            let parsed = (try? JSONValue.parse(bytes)) != nil
            let skipped = bytes.withUnsafeBufferPointer { buffer -> Bool in
                var parser = JSONParser(buffer)
                parser.skipWhitespace()
                guard (try? parser.skipValue()) != nil else { return false }
                parser.skipWhitespace()
                return parser.position == buffer.count
            }
            #expect(parsed == skipped, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("property: edit lists read straight from bytes equal the ops read from the tree", arguments: [UInt64(21), 22])
    func editListsAgree(seed: UInt64) throws {
        var generator = JSONGenerator(rng: SplitMix64(seed: seed))
        // One memo for the whole run, as a job keeps one: a remembered path must never stand
        // in for a different one.
        var memo = EditPathMemo()
        for _ in 0..<800 {
            let old = generator.value(depth: 3)
            let lists = (0..<generator.int(0...3)).map { _ in gradioDiff(old, generator.mutate(old)) }
            let text = JSONValue.array(lists.map { .array($0.map(\.wire)) }).jsonText
            for _ in 0..<2 {
                let direct = Array(text.utf8).withUnsafeBufferPointer { buffer -> [[EditOperation]]? in
                    var parser = JSONParser(buffer)
                    return parser.parseEditLists(memo: &memo)
                }
                #expect(direct == lists, "\(text)")
            }
        }
    }
}
