import Foundation
import Synchronization
import TestSupport
import Testing
@testable import GradioClient

// What a hostile Space sends, below the binary: each limit of `GradioLimits` and the parser,
// checked numbers, unsafe configs, and a `/cancel` that never answers. (The same attacks
// through the binary: Tests/Hostile/hostile-suite.py.)

private let root = "http://127.0.0.1:7860"

private func message(_ json: String) throws -> GradioMessage {
    try GradioMessage(json: JSONValue.parse(json))
}

private func event(_ json: String) -> [UInt8] {
    Array(("data: " + json + "\n\n").utf8)
}

@Suite("A hostile Space: numbers, limits, unsafe configs")
struct HostileInputTests {
    // MARK: numbers

    @Test("a queue rank of Int.max and an ETA of 1e300 do not overflow", arguments: [
        #"{"msg":"estimation","event_id":"e","rank":9223372036854775807,"queue_size":9223372036854775807,"rank_eta":1e300}"#,
        #"{"msg":"estimation","event_id":"e","rank":-5,"queue_size":-1,"rank_eta":-3}"#,
        #"{"msg":"estimation","event_id":"e","rank":1e300,"rank_eta":NaN}"#,
    ])
    func queueNumbers(json: String) throws {
        var job = GradioJob(eventID: "e", sendsDiffs: true)
        guard case .event(.queued(let position, let size, let eta)) = job.handle(try message(json)) else {
            Issue.record("not a queue event")
            return
        }
        #expect((1...1_000_000_001).contains(position))
        #expect(size.map { $0 >= 0 } ?? true)
        #expect(eta == nil)
    }

    @Test("an ETA of 1e300 in process_starts is no ETA")
    func startsETA() throws {
        var job = GradioJob(eventID: "e", sendsDiffs: true)
        #expect(job.handle(try message(#"{"msg":"process_starts","event_id":"e","eta":1e300}"#)) == .event(.started(eta: nil)))
    }

    // MARK: outcomes

    @Test("success that is not exactly true is a failure", arguments: [#""false""#, "0", "null", #""true""#])
    func successMustBeTrue(success: String) throws {
        var job = GradioJob(eventID: "e", sendsDiffs: true)
        let step = job.handle(try message(#"{"msg":"process_completed","event_id":"e","success":\#(success),"output":{"data":["x"]}}"#))
        guard case .fail(let error) = step else {
            Issue.record("\(step)")
            return
        }
        #expect(error.code == .upstream)
    }

    @Test("a completed job with no output is an error, not an interruption", arguments: [
        #"{"msg":"process_completed","event_id":"e","success":true}"#,
        #"{"msg":"process_completed","event_id":"e","success":true,"output":{}}"#,
    ])
    func noOutput(json: String) throws {
        var job = GradioJob(eventID: "e", sendsDiffs: true)
        guard case .fail(let error) = job.handle(try message(json)) else {
            Issue.record("not a failure")
            return
        }
        #expect(error.code == .badResponse)
        #expect(!error.message.contains("\n"))
    }

    // MARK: the stream's limits

    @Test("an endless line stops the parser at the limit, whatever its field", arguments: ["data: ", ": ", "event: ", "id: ", "x"])
    func endlessLine(field: String) throws {
        var stream = JobStream(job: GradioJob(eventID: "e", sendsDiffs: true), maximumEventBytes: 1 << 16)
        try stream.read(Array(field.utf8)) { _, _ in }
        let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 4096)
        var reads = 0
        while stream.outcome == nil, reads < 1000 {
            try stream.read(chunk) { _, _ in }
            reads += 1
        }
        guard case .fail(let error)? = stream.outcome else {
            Issue.record("no failure after \(reads) reads")
            return
        }
        #expect(error.code == .tooLarge)
        #expect(reads < 20)
    }

    @Test("a field line that arrives whole in one read is held to the field limit; dataX… is not data")
    func fieldLimits() {
        var whole = ServerSentEventParser(maximumEventBytes: 1 << 20, maximumFieldBytes: 100)
        _ = whole.feed(Array(("event: " + String(repeating: "e", count: 500) + "\n").utf8))
        #expect(whole.overflowed)
        var named = ServerSentEventParser(maximumEventBytes: 1 << 20, maximumFieldBytes: 100)
        _ = named.feed(Array("dataaaa".utf8))
        for _ in 0..<10 { _ = named.feed(Array(String(repeating: "a", count: 50).utf8)) }
        #expect(named.overflowed)
        var data = ServerSentEventParser(maximumEventBytes: 1 << 20, maximumFieldBytes: 100)
        _ = data.feed(Array("data: ".utf8))
        for _ in 0..<10 { _ = data.feed(Array(String(repeating: "a", count: 50).utf8)) }
        #expect(!data.overflowed)
        #expect(data.feed(Array("\n\n".utf8)).count == 1)
    }

    @Test("many data lines of one event add up to the limit")
    func manyDataLines() throws {
        var parser = ServerSentEventParser(maximumEventBytes: 1000)
        for _ in 0..<100 { _ = parser.feed(Array("data: 0123456789\n".utf8)) }
        #expect(parser.overflowed)
        var small = ServerSentEventParser(maximumEventBytes: 1000)
        #expect(small.feed(Array("data: 0123456789\ndata: x\n\n".utf8)).count == 1)
        #expect(!small.overflowed)
    }

    @Test("the reply's size limit ends the job, the partial outputs kept")
    func outputLimit() throws {
        var stream = JobStream(job: GradioJob(eventID: "e", sendsDiffs: true, maximumOutputBytes: 10_000))
        var last: [JSONValue] = []
        try stream.read(event(#"{"msg":"process_generating","event_id":"e","output":{"data":["", [["hi", ""]]]},"success":true}"#)) { _, outputs in last = outputs }
        let piece = String(repeating: "x", count: 500)
        for _ in 0..<40 where stream.outcome == nil {
            try stream.read(event(#"{"msg":"process_generating","event_id":"e","output":{"data":[[], [["append",[0,1],"\#(piece)"]]]},"success":true}"#)) { _, outputs in last = outputs }
        }
        guard case .fail(let error)? = stream.outcome else {
            Issue.record("no failure")
            return
        }
        #expect(error.code == .tooLarge)
        let text = last[1][0]?[1]?.stringValue ?? ""
        #expect(!text.isEmpty && text.utf8.count <= 10_000)
    }

    @Test("a Space that rewrites its reply in full each time is counted by size, not by the sum of its rewrites")
    func rewritesAreNotAccumulated() throws {
        var stream = JobStream(job: GradioJob(eventID: "e", sendsDiffs: true, maximumOutputBytes: 10_000))
        try stream.read(event(#"{"msg":"process_generating","event_id":"e","output":{"data":[""]},"success":true}"#)) { _, _ in }
        for n in 1...60 {
            let text = String(repeating: "y", count: n * 50)
            try stream.read(event(#"{"msg":"process_generating","event_id":"e","output":{"data":[[["replace",[],"\#(text)"]]]},"success":true}"#)) { _, _ in }
        }
        #expect(stream.outcome == nil)
    }

    // MARK: JSON

    @Test("a 300,000-key object parses, and its keys are found")
    func wideObject() throws {
        var text = "{"
        for i in 0..<300_000 { text += (i == 0 ? "" : ",") + "\"k\(i)\":\(i)" }
        text += "}"
        let value = try JSONValue.parse(text)
        #expect(value.objectValue?.count == 300_000)
        #expect(value["k299999"]?.intValue == 299_999)
        #expect(value.objectValue?.index(of: "k150000") == 150_000)
    }

    @Test("a document of more than a million values is refused")
    func tooManyValues() {
        let text = "[" + String(repeating: "0,", count: 1_000_001) + "0]"
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test("edit ops cannot nest the value past the parser's depth")
    func deepEdits() throws {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        var value = try JSONValue.parse("[[0]]")
        var path: [JSONPathComponent] = []
        var refused = false
        for _ in 0..<100 {
            let op = EditOperation(.replace, path + [.index(0)], try JSONValue.parse(deep))
            do {
                try value.apply(op)
            } catch {
                refused = true
                break
            }
            path.append(.index(0))
        }
        #expect(refused)
        #expect(value.nestingDepth <= JSONParser.maximumDepth)
    }

    @Test("an edit path longer than the parser's depth is refused")
    func longPath() throws {
        let path = "[" + Array(repeating: "0", count: 600).joined(separator: ",") + "]"
        #expect(throws: EditError.self) { try EditOperation(wire: JSONValue.parse(#"["replace",\#(path),1]"#)) }
    }

    @Test("JSON text escapes C1 and bidi controls, and reads back the same")
    func jsonEscapes() throws {
        let value = JSONValue.string("a\u{9B}2J\u{85}b\u{202E}c\u{2069}d é ✓")
        #expect(value.jsonText == #""a\u009b2J\u0085b\u202ec\u2069d é ✓""#)
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    // MARK: where requests go

    @Test("an API prefix that is not a plain path is refused", arguments: [
        "@127.0.0.1:7999", "http://127.0.0.1:7999/x", ".attacker.example", "//127.0.0.1:7999", "/../../x",
        "/a/../b", "gradio_api", "/a b", "/a?b", "/a#b", "/a%2f", "/\u{1B}]0;x\u{07}", "/./x",
    ])
    func unsafePrefix(prefix: String) async throws {
        let config = JSONValue.object(JSONObject([("version", .string("5.50.0")), ("protocol", .string("sse_v3")), ("api_prefix", .string(prefix)), ("dependencies", .array([]))]))
        #expect(throws: GradioError.self) { try GradioConfig(json: config) }
        let transport = FakeTransport(config: .json(200, config.jsonText), join: .json(200, #"{"event_id":"e"}"#), data: .json(500, ""))
        let client = GradioClient(root: root, transport: transport, headers: [("Authorization", "Bearer secret")])
        do {
            _ = try await client.fetchConfig()
            Issue.record("no error")
        } catch let error as GradioError {
            #expect(error.code == .unsafeConfig)
            #expect(!error.message.contains("\u{1B}"))
        }
        #expect(transport.requests.map(\.url) == [root + "/config"])
    }

    @Test("plain API prefixes are kept", arguments: [("", ""), ("/", ""), ("/gradio_api", "/gradio_api"), ("/gradio_api/", "/gradio_api"), ("/a-b/c_d.e~f", "/a-b/c_d.e~f")])
    func plainPrefix(prefix: String, kept: String) throws {
        let config = JSONValue.object(JSONObject([("version", .string("5.50.0")), ("protocol", .string("sse_v3")), ("api_prefix", .string(prefix))]))
        #expect(try GradioConfig(json: config).apiPrefix == kept)
    }

    // MARK: Ctrl-C

    @Test("a /cancel that never answers does not hold the cancel back")
    func silentCancel() async throws {
        let transport = FakeTransport(
            join: .json(200, #"{"event_id":"e"}"#),
            data: .stream(status: 200, chunks: [event(#"{"msg":"process_starts","event_id":"e"}"#)], end: .block),
            cancel: .hang
        )
        let client = GradioClient(root: root, transport: transport, limits: GradioLimits(cancelTimeout: .milliseconds(200)))
        let connection = GradioConnection(root: root, config: .unknownApp, endpoint: GradioEndpoint(apiName: "chat", fnIndex: 0, triggerID: nil))
        let task = Task {
            try await client.submit(connection, data: [], sessionHash: "s") { _, _ in }
        }
        while !transport.isBlocked { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        // Without the cancel's own deadline this waits for the fake's 600 s.
        let ended = Task {
            switch await task.result {
            case .success: return false
            case .failure(let error): return (error as? GradioError)?.code == .cancelled
            }
        }
        #expect(await ended.value)
        #expect(transport.requests.contains { $0.url.hasSuffix("/cancel") })
    }

    @Test("a stream that trickles bytes without completing an event trips the event idle timeout")
    func trickle() async throws {
        let trickle = [event(#"{"msg":"process_starts","event_id":"e"}"#)] + Array(repeating: Array("d".utf8), count: 5)
        final class SlowTransport: HTTPTransport, @unchecked Sendable {
            let chunks: [[UInt8]]
            init(_ chunks: [[UInt8]]) { self.chunks = chunks }
            func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) {
                (HTTPResponseHead(status: 200), Array(#"{"event_id":"e"}"#.utf8))
            }
            func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
                let remaining = Mutex(chunks[...])
                return HTTPStreamingResponse(head: HTTPResponseHead(status: 200)) {
                    try await Task.sleep(for: .milliseconds(60))
                    return remaining.withLock { $0.popFirst() }
                }
            }
        }
        let client = GradioClient(root: root, transport: SlowTransport(trickle), limits: GradioLimits(eventIdleTimeout: .milliseconds(100)))
        let connection = GradioConnection(root: root, config: .unknownApp, endpoint: GradioEndpoint(apiName: "chat", fnIndex: 0, triggerID: nil))
        do {
            try await client.submit(connection, data: [], sessionHash: "s") { _, _ in }
            Issue.record("no error")
        } catch let error as GradioError {
            #expect(error.code == .idleTimeout, "\(error)")
        }
    }
}
