import Testing
import GradioClient
import TestSupport

/// The one message decoder (parse the JSON text, read the message from it) on real captures,
/// on each kind of message, and on what must be rejected.
@Suite("Decoding messages")
struct MessageDecodingTests {
    private static func lines(_ capture: Capture) -> [String] {
        capture.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    @Test("every captured message decodes to a kind this client knows, with the job's event id", arguments: Capture.all)
    func captures(capture: Capture) throws {
        let lines = Self.lines(capture)
        #expect(!lines.isEmpty)
        for line in lines {
            let message = try GradioMessage(bytes: Array(line.utf8))
            // `close_stream` carries no event id.
            #expect(message.eventID == capture.eventID || message.eventID == nil, "\(line.prefix(160))")
            if case .unknown(let name) = message.kind { Issue.record("unknown message \(name) in \(capture.name)") }
        }
    }

    @Test func theFieldsOfEachKind() throws {
        func decode(_ text: String) throws -> GradioMessage { try GradioMessage(bytes: Array(text.utf8)) }
        #expect(try decode(#"{"msg":"estimation","event_id":"e1","rank":2,"queue_size":5,"rank_eta":1.5}"#)
            == GradioMessage(kind: .estimation(rank: 2, queueSize: 5, rankETA: 1.5), eventID: "e1"))
        #expect(try decode(#"{"msg":"estimation","rank":0,"queue_size":1,"rank_eta":null}"#).kind
            == .estimation(rank: 0, queueSize: 1, rankETA: nil))
        #expect(try decode(#"{"msg":"process_starts","event_id":"e1","eta":0.25}"#).kind == .processStarts(eta: 0.25))
        #expect(try decode(#"{"msg":"log","log":"hello","level":"warning"}"#).kind == .log(level: "warning", message: "hello"))
        #expect(try decode(#"{"msg":"progress","progress_data":[{"index":1}]}"#).kind
            == .progress(.array([.object(JSONObject([("index", .number(1))]))])))
        #expect(try decode(#"{"msg":"unexpected_error","message":"boom"}"#).kind == .unexpectedError(message: "boom"))
        #expect(try decode(#"{"msg":"heartbeat"}"#).kind == .heartbeat)
        #expect(try decode(#"{"msg":"close_stream","event_id":null}"#) == GradioMessage(kind: .closeStream, eventID: nil))
        #expect(try decode(#"{"msg":"brand_new","stuff":[1]}"#).kind == .unknown("brand_new"))
        let data = JSONValue.array([.array([]), .array([]), .array([])])
        #expect(try decode(#"{"msg":"process_generating","output":{"data":[[],[],[]],"is_generating":true},"success":true}"#).kind
            == .processGenerating(output: .object(JSONObject([("data", data), ("is_generating", .bool(true))])), success: true))
        #expect(try decode(#"{"msg":"process_completed","output":{"error":"quota"},"success":false}"#).kind
            == .processCompleted(output: .object(JSONObject([("error", .string("quota"))])), success: false))
        // `success` is optional (Gradio 4.9 leaves it out of some messages).
        #expect(try decode(#"{"msg":"process_completed","output":{}}"#).kind == .processCompleted(output: .object(JSONObject()), success: true))
    }

    @Test("a repeated member counts with its last value, as Python's json reads it")
    func repeatedMembers() throws {
        let text = #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[],[]]},"msg":"process_completed"}"#
        let message = try GradioMessage(bytes: Array(text.utf8))
        #expect(message.kind == .processCompleted(output: .object(JSONObject([("data", .array([.array([]), .array([]), .array([])]))])), success: true))
    }

    private static let base = #"{"msg":"process_generating","event_id":"e1","output":{"data":[[],[["append",[0,1,"text"],"tok"]],[]],"is_generating":true,"duration":0.01,"average_duration":0.02,"render_config":null,"changed_state_ids":[]},"success":true}"#

    @Test("broken or foreign messages are rejected", arguments: [
        String(base.dropLast()), base + "x", base.replacingOccurrences(of: "0.01", with: "0."),
        base.replacingOccurrences(of: "null", with: "nul"), base.replacingOccurrences(of: #""tok""#, with: #""to\q""#),
        base.replacingOccurrences(of: "[]}", with: "[}"), "[1,2]", "\"x\"", "", "{}", #"{"msg":3}"#, #"{"no_msg":1}"#,
        // nested deeper than the parser allows, inside an op's value
        base.replacingOccurrences(of: #""tok""#, with: String(repeating: "[", count: 510) + String(repeating: "]", count: 510)),
    ])
    func brokenMessages(text: String) {
        #expect(throws: (any Error).self) { try GradioMessage(bytes: Array(text.utf8)) }
    }

    @Test("property: a job fed Gradio's diff(old, new) as message bytes ends with new", arguments: [UInt64(21), 22, 23])
    func diffsThroughTheDecoder(seed: UInt64) throws {
        var generator = JSONGenerator(rng: SplitMix64(seed: seed))
        for _ in 0..<300 {
            let count = generator.int(1...3)
            var values = (0..<count).map { _ in generator.value(depth: 3) }
            var job = GradioJob(eventID: "e1", sendsDiffs: true)
            let first = #"{"msg":"process_generating","event_id":"e1","output":{"data":\#(JSONValue.array(values).jsonText)},"success":true}"#
            #expect(job.handle(try GradioMessage(bytes: Array(first.utf8))) == .event(.generating(edits: nil)))
            for _ in 0..<3 {
                let next = values.map { generator.mutate($0) }
                let lists = zip(values, next).map { gradioDiff($0, $1) }
                let data = JSONValue.array(lists.map { .array($0.map(\.wire)) }).jsonText
                let text = #"{"msg":"process_generating","event_id":"e1","output":{"data":\#(data),"is_generating":true},"success":true}"#
                #expect(job.handle(try GradioMessage(bytes: Array(text.utf8))) == .event(.generating(edits: lists)), "\(text)")
                #expect(job.outputs.map { exactlyEqual(.array($0), .array(next)) } == true, "\(text)")
                values = next
            }
        }
    }
}
