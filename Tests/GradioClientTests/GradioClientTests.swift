import Foundation
import TestSupport
import Testing
@testable import GradioClient

private let root = "https://space.example"

private func connection(prefix: String = "", fnIndex: Int = 3, triggerID: Int? = 25, protocolName: String = "sse_v3", fallback: Bool = false) -> GradioConnection {
    GradioConnection(
        root: root,
        config: GradioConfig(version: "4.44.1", protocolName: protocolName, apiPrefix: prefix, dependencies: []),
        endpoint: GradioEndpoint(apiName: "model_chat", fnIndex: fnIndex, triggerID: triggerID),
        fallbackReason: fallback ? "test" : nil
    )
}

private let qwenData: [JSONValue] = [.string("What is 2+2?"), .array([]), .string("You are terse."), .string("72B")]

private struct Run {
    var events: [JobEvent] = []
    var outputs: [[JSONValue]] = []
    var error: (any Error)?
    var gradioError: GradioError? { error as? GradioError }
}

/// Submits through a fake transport whose join answers `eventID` and whose data stream is `body`
/// cut into `chunks`.
private func run(
    body: [UInt8],
    eventID: String? = "54a0ac10c842427dbfff7c598767edd7",
    chunking: (inout SplitMix64, [UInt8]) -> [[UInt8]] = { rng, bytes in randomChunks(bytes, sizes: 1...200, rng: &rng) },
    end: FakeTransport.StreamEnd = .eof,
    connection: GradioConnection = connection(),
    seed: UInt64 = 1
) async -> (Run, FakeTransport) {
    var rng = SplitMix64(seed: seed)
    let joinBody = eventID.map { #"{"event_id":"\#($0)"}"# } ?? #"{"event_id":null}"#
    let transport = FakeTransport(
        join: .json(200, joinBody),
        data: .stream(status: 200, chunks: chunking(&rng, body), end: end)
    )
    let client = GradioClient(root: root, transport: transport)
    var result = Run()
    do {
        try await client.submit(connection, data: qwenData, sessionHash: "a1b2c3d4e5") { event, outputs in
            result.events.append(event)
            result.outputs.append(outputs)
        }
    } catch {
        result.error = error
    }
    return (result, transport)
}

private func chatbotText(_ outputs: [JSONValue]?) -> String? {
    guard let chatbot = outputs?[1].arrayValue, let last = chatbot.last?.arrayValue, last.count == 2 else { return nil }
    return last[1]["text"]?.stringValue
}

private func body(_ events: [String]) -> [UInt8] {
    Array(events.map { "data: \($0)\n\n" }.joined().utf8)
}

private func expectSingleLine(_ error: GradioError?, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else { return }
    #expect(!error.message.contains(where: { $0.isNewline }), "multi-line message: \(error.message)", sourceLocation: sourceLocation)
    #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
}

@Suite("GradioClient with a fake transport")
struct GradioClientTests {
    // MARK: connect

    @Test func connectReadsTheEndpointFromTheConfig() async throws {
        let transport = FakeTransport(config: .body(status: 200, headers: [], body: Fixtures.bytes("gradio-4.44.1/config.json")), join: .json(500, ""), data: .json(500, ""))
        let client = GradioClient(root: root + "//", transport: transport, headers: [("Authorization", "Bearer hf_x")])
        let connection = try await client.connect(apiName: "model_chat")
        #expect(connection.endpoint == GradioEndpoint(apiName: "model_chat", fnIndex: 3, triggerID: 25))
        #expect(connection.fallbackReason == nil)
        #expect(connection.apiBase == root)
        #expect(transport.requests.map(\.url) == [root + "/config"])
        #expect(transport.requests.first?.method == "GET")
        #expect(transport.requests.first?.headers.contains { $0 == ("Authorization", "Bearer hf_x") } == true)
    }

    @Test func connectToGradio6UsesThePrefix() async throws {
        let transport = FakeTransport(config: .body(status: 200, headers: [], body: Fixtures.bytes("gradio-6.31.0/config.json")), join: .json(200, #"{"event_id":"e"}"#), data: .json(500, ""))
        let client = GradioClient(root: root, transport: transport)
        let connection = try await client.connect(apiName: "chat")
        #expect(connection.endpoint == GradioEndpoint(apiName: "chat", fnIndex: 6, triggerID: 12))
        #expect(connection.apiBase == root + "/gradio_api")
        let eventID = try await client.join(connection, data: [.string("Say hello"), .array([]), .string("You are helpful.")], sessionHash: "g6b2c3d4e5")
        #expect(eventID == "e")
        let join = try #require(transport.requests.last)
        #expect(join.url == root + "/gradio_api/queue/join")
        // Byte for byte what Gradio's own client sent in the capture.
        #expect(String(decoding: join.body ?? [], as: UTF8.self)
            == #"{"data":["Say hello",[],"You are helpful."],"event_data":null,"fn_index":6,"trigger_id":12,"session_hash":"g6b2c3d4e5"}"#)
    }

    @Test("a config that cannot be used", arguments: [
        ("404 JSON", FakeTransport.Reply.json(404, #"{"detail":"Not Found"}"#), true),
        ("200 not JSON", FakeTransport.Reply.text(200, "hello"), true),
        ("200 JSON not an object", FakeTransport.Reply.json(200, "[1,2]"), true),
        ("no such endpoint", FakeTransport.Reply.json(200, #"{"version":"4.44.1","protocol":"sse_v3","dependencies":[{"id":0,"api_name":"other","targets":[[1,"click"]]}]}"#), false),
    ])
    func unusableConfig(label: String, config: FakeTransport.Reply, unavailable: Bool) async throws {
        let transport = FakeTransport(config: config, join: .json(500, ""), data: .json(500, ""))
        let client = GradioClient(root: root, transport: transport)
        // The answer says why, so a caller with a preset can fall back and say so once.
        switch try await client.fetchConfig() {
        case .unavailable(let reason):
            #expect(unavailable)
            #expect(!reason.contains("\n"))
        case .config:
            #expect(!unavailable)
        }
        do {
            _ = try await client.connect(apiName: "model_chat")
            Issue.record("no error")
        } catch let error as GradioError {
            #expect(error.code == .endpointNotFound)
            #expect(error.message.contains("model_chat"))
            expectSingleLine(error)
        }
    }

    @Test("config errors that are not a missing config", arguments: [
        (FakeTransport.Reply.json(200, #"{"version":"3.50.2","dependencies":[]}"#), GradioError.Code.unsupportedVersion),
        (FakeTransport.Reply.json(200, #"{"version":"4.5.0","protocol":"sse"}"#), .unsupportedVersion),
        (FakeTransport.Reply.text(503, "<html><body>Building</body></html>", contentType: "text/html"), .spaceDown),
        (FakeTransport.Reply.text(404, "<!DOCTYPE html><html>404</html>", contentType: "text/html"), .spaceDown),
        (FakeTransport.Reply.text(502, "Bad Gateway"), .spaceDown),
        (FakeTransport.Reply.fail(TransportError(.unreachable, "could not resolve host space.example")), .unreachable),
        (FakeTransport.Reply.fail(TransportError(.idleTimeout, "no data for 30 s")), .idleTimeout),
    ])
    func connectErrors(config: FakeTransport.Reply, code: GradioError.Code) async {
        let transport = FakeTransport(config: config, join: .json(500, ""), data: .json(500, ""))
        let client = GradioClient(root: root, transport: transport)
        do {
            _ = try await client.connect(apiName: "model_chat")
            Issue.record("no error")
        } catch let error as GradioError {
            #expect(error.code == code)
            expectSingleLine(error)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    // MARK: join

    @Test func joinPayloadAndURL() async throws {
        let (result, transport) = await run(body: Capture.gradio4("normal-stream").bodyBytes)
        #expect(result.error == nil)
        let join = try #require(transport.requests.first)
        #expect(join.method == "POST")
        #expect(join.url == root + "/queue/join")
        #expect(join.headers.contains { $0.0 == "Content-Type" && $0.1 == "application/json" })
        let payload = try JSONValue.parse(join.body ?? [])
        #expect(payload.objectValue?.keys == ["data", "event_data", "fn_index", "trigger_id", "session_hash"])
        #expect(payload["event_data"] == .null)
        #expect(payload["fn_index"]?.intValue == 3)
        #expect(payload["trigger_id"]?.intValue == 25)
        #expect(payload["session_hash"]?.stringValue == "a1b2c3d4e5")
        // Exactly the join the capture recorded.
        let captured = Capture.gradio4("normal-stream").text.split(separator: "\n")[1]
        #expect(String(decoding: join.body ?? [], as: UTF8.self) == captured)
        let data = try #require(transport.requests.dropFirst().first)
        #expect(data.method == "GET")
        #expect(data.url == root + "/queue/data?session_hash=a1b2c3d4e5")
        #expect(data.headers.contains { $0.0 == "Accept" && $0.1 == "text/event-stream" })
    }

    @Test func joinWithoutTriggerSendsNull() async throws {
        let transport = FakeTransport(join: .json(200, #"{"event_id":"x"}"#), data: .json(500, ""))
        let client = GradioClient(root: root, transport: transport)
        _ = try await client.join(connection(prefix: "/gradio_api", triggerID: nil), data: [], sessionHash: "s")
        let request = try #require(transport.requests.first)
        #expect(request.url == root + "/gradio_api/queue/join")
        #expect(String(decoding: request.body ?? [], as: UTF8.self) == #"{"data":[],"event_data":null,"fn_index":3,"trigger_id":null,"session_hash":"s"}"#)
    }

    @Test("join error classification", arguments: [
        (FakeTransport.Reply.json(503, #"{"detail":"Queue is full. Please try again later."}"#), false, GradioError.Code.queueFull),
        (FakeTransport.Reply.text(503, "<html><head><title>503</title></head></html>", contentType: "text/html"), false, .spaceDown),
        (FakeTransport.Reply.text(503, "Service Unavailable"), false, .spaceDown),
        (FakeTransport.Reply.text(502, "Bad Gateway"), false, .spaceDown),
        (FakeTransport.Reply.text(504, "Gateway Timeout"), false, .spaceDown),
        (FakeTransport.Reply.json(429, #"{"error":"Too Many Requests"}"#), false, .rateLimited),
        (FakeTransport.Reply.text(500, "Internal Server Error"), false, .badResponse),
        (FakeTransport.Reply.text(500, "Internal Server Error"), true, .endpointNotFound),
        (FakeTransport.Reply.json(422, #"{"detail":[{"loc":["body","data"],"msg":"field required\nreally","type":"value_error"}]}"#), false, .badResponse),
        (FakeTransport.Reply.json(401, #"{"error":"Invalid token"}"#), false, .badResponse),
        (FakeTransport.Reply.text(200, "<html>login</html>", contentType: "text/html"), false, .badResponse),
        (FakeTransport.Reply.json(200, #"{"event_id":null}"#), false, .badResponse),
        (FakeTransport.Reply.text(500, "<html>oops</html>", contentType: "text/html"), false, .spaceDown),
        (FakeTransport.Reply.fail(TransportError(.unreachable, "connection refused")), false, .unreachable),
        (FakeTransport.Reply.fail(TransportError(.idleTimeout, "idle")), false, .idleTimeout),
    ])
    func joinErrors(join: FakeTransport.Reply, usedFallback: Bool, code: GradioError.Code) async {
        let transport = FakeTransport(join: join, data: .json(500, ""))
        let client = GradioClient(root: root, transport: transport)
        do {
            try await client.submit(connection(fallback: usedFallback), data: qwenData, sessionHash: "s") { _, _ in }
            Issue.record("no error")
        } catch let error as GradioError {
            #expect(error.code == code, "\(error.message)")
            expectSingleLine(error)
        } catch {
            Issue.record("unexpected \(error)")
        }
        // Nothing after a failed join.
        #expect(transport.requests.count == 1)
    }

    @Test func badFnIndexCaptureIsA500TextPlain() async throws {
        // The capture's join response: 500 text/plain "Internal Server Error".
        let transport = FakeTransport(join: .text(500, "Internal Server Error"), data: .json(500, ""))
        let client = GradioClient(root: root, transport: transport)
        await #expect(throws: GradioError.self) {
            try await client.submit(connection(fnIndex: 99), data: [.string("hi"), .array([]), .string("You are terse."), .string("72B")], sessionHash: "e1b2c3d4e5") { _, _ in }
        }
        #expect(String(decoding: transport.requests[0].body ?? [], as: UTF8.self) == String(Capture.gradio4("bad-fn-index").text.split(separator: "\n")[1]))
    }

    // MARK: replaying the 4.44.1 captures

    @Test("normal stream completes with the capture's final text", arguments: 1...6)
    func normalStream(seed: UInt64) async throws {
        let capture = Capture.gradio4("normal-stream")
        let (result, transport) = await run(body: capture.bodyBytes, eventID: capture.eventID, seed: seed)
        #expect(result.error == nil)
        #expect(result.events.first == .joined(eventID: capture.eventID!))
        #expect(result.events.last == .completed)
        #expect(result.events.contains(.queued(position: 1, queueSize: 1, eta: 0.27631664276123047)))
        #expect(result.events.contains(.started(eta: 0.27631664276123047)))
        let generating = result.events.filter { if case .generating = $0 { true } else { false } }
        #expect(generating.count == capture.events.filter { $0["msg"]?.stringValue == "process_generating" }.count)
        // The first generating message carries full values; later ones carry edits.
        #expect(generating.first == .generating(edits: nil))
        #expect(generating.dropFirst().allSatisfy { if case .generating(let edits?) = $0 { edits.count == 3 } else { false } })
        let finalText = try #require(chatbotText(capture.finalOutputs))
        #expect(finalText == "Echo from qwen2.5-72B: you said «What is 2+2?». System: You are terse.")
        #expect(chatbotText(result.outputs.last) == finalText)
        // The text grows monotonically through the stream and the last generating value equals the final one.
        let texts = zip(result.events, result.outputs).compactMap { event, outputs -> String? in
            if case .generating = event { return chatbotText(outputs) } else { return nil }
        }
        #expect(texts.first == "Ech")
        #expect(zip(texts, texts.dropFirst()).allSatisfy { $1.hasPrefix($0) })
        #expect(texts.last == finalText)
        #expect(result.outputs.last.map { JSONValue.array($0).isSemanticallyEqual(to: .array(capture.finalOutputs!)) } == true)
        #expect(transport.requests.count == 2)
    }

    @Test func everyEventAtOnceAndByteByByteAgree() async throws {
        let capture = Capture.gradio4("normal-stream")
        let (whole, _) = await run(body: capture.bodyBytes, eventID: capture.eventID, chunking: { _, b in [b] })
        let (bytes, _) = await run(body: capture.bodyBytes, eventID: capture.eventID, chunking: { _, b in b.map { [$0] } })
        #expect(whole.error == nil)
        #expect(whole.events == bytes.events)
        #expect(whole.outputs == bytes.outputs)
    }

    @Test func rewritesAreReportedWithTheOutputsAfterThem() async throws {
        // TRIGGER_INDENT: cleandoc rewrites earlier text mid-stream (replace ops among appends).
        let capture = Capture.load("harness/replica-4.44.1-indent.txt")
        let (whole, _) = await run(body: capture.bodyBytes, eventID: capture.eventID, chunking: { _, b in [b] })
        let edits = whole.events.compactMap { event -> [[EditOperation]]? in
            if case .generating(let edits?) = event { edits } else { nil }
        }
        let replaces = capture.events.filter { $0.jsonText.contains(#"["replace""#) }.count
        #expect(replaces > 0)
        #expect(edits.filter { $0.joined().contains { $0.kind != .append } }.count == replaces)
        #expect(whole.outputs.last.map { JSONValue.array($0).isSemanticallyEqual(to: .array(capture.finalOutputs!)) } == true)
        // Each event's outputs are the state right after its own edits: replaying the events'
        // edits from the first full value reproduces every reported outputs value.
        var replayed: [JSONValue]?
        for (event, outputs) in zip(whole.events, whole.outputs) {
            guard case .generating(let edits) = event else { continue }
            if let edits {
                for (index, ops) in edits.enumerated() { try replayed?[index].apply(ops) }
            } else {
                replayed = outputs
            }
            #expect(replayed == outputs)
        }
    }

    @Test func everyTokenIsItsOwnEventWithItsOwnEdits() async throws {
        let capture = Capture.gradio4("normal-stream")
        let (whole, _) = await run(body: capture.bodyBytes, eventID: capture.eventID, chunking: { _, b in [b] })
        let edits = whole.events.compactMap { event -> [[EditOperation]]? in
            if case .generating(let edits?) = event { edits } else { nil }
        }
        let diffMessages = capture.events.filter { $0["msg"]?.stringValue == "process_generating" }.dropFirst()
        let sent = try diffMessages.map { message in
            try #require(message["output"]?["data"]?.arrayValue).map { try #require($0.arrayValue).map(EditOperation.init(wire:)) }
        }
        #expect(sent.count > 10)
        #expect(edits == sent)
    }

    @Test func hiddenError() async throws {
        let capture = Capture.gradio4("hidden-error")
        let (result, _) = await run(body: capture.bodyBytes, eventID: capture.eventID)
        let error = try #require(result.gradioError)
        #expect(error.code == .upstream)
        #expect(error.message.contains("hid the error"))
        expectSingleLine(error)
    }

    @Test func visibleError() async throws {
        let capture = Capture.gradio4("visible-error")
        let (result, _) = await run(body: capture.bodyBytes, eventID: capture.eventID)
        let error = try #require(result.gradioError)
        #expect(error.code == .upstream)
        #expect(error.message.contains("DashScope quota exceeded"))
        expectSingleLine(error)
    }

    @Test func midstreamError() async throws {
        let capture = Capture.gradio4("midstream-error")
        let (result, _) = await run(body: capture.bodyBytes, eventID: capture.eventID)
        let error = try #require(result.gradioError)
        #expect(error.code == .upstream)
        expectSingleLine(error)
        let generating = result.events.filter { if case .generating = $0 { true } else { false } }
        #expect(generating.count > 3)
        #expect(chatbotText(result.outputs.last)?.isEmpty == false)
    }

    // Gradio's answer to a cancel (`output: {}`, success) on a job this client did not cancel:
    // no reply, so an error, not an interruption the user never asked for.
    @Test func cancelCaptureWithoutACancel() async throws {
        let capture = Capture.gradio4("cancel")
        let (result, _) = await run(body: capture.bodyBytes, eventID: capture.eventID)
        let error = try #require(result.gradioError)
        #expect(error.code == .badResponse)
        expectSingleLine(error)
        #expect(result.events.contains { if case .generating = $0 { true } else { false } })
    }

    @Test func dataWithoutJoin() async throws {
        let capture = Capture.gradio4("data-without-join")
        #expect(capture.eventID == nil)
        let (result, _) = await run(body: capture.bodyBytes, eventID: "0123456789abcdef0123456789abcdef")
        let error = try #require(result.gradioError)
        #expect(error.code == .sessionNotFound)
        expectSingleLine(error)
    }

    @Test func bodyEndingWithoutCompletion() async throws {
        let capture = Capture.gradio4("normal-stream")
        let lines = capture.body.components(separatedBy: "\n\n").filter { !$0.isEmpty && !$0.contains("process_completed") && !$0.contains("close_stream") }
        let (result, _) = await run(body: Array((lines.joined(separator: "\n\n") + "\n\n").utf8), eventID: capture.eventID)
        let error = try #require(result.gradioError)
        #expect(error.code == .streamEnded)
        expectSingleLine(error)
        #expect(chatbotText(result.outputs.last)?.hasPrefix("Echo from") == true)
        // Also: an empty body, and one cut in the middle of the completed event.
        let (empty, _) = await run(body: [], eventID: capture.eventID)
        #expect(empty.gradioError?.code == .streamEnded)
        let full = capture.bodyBytes
        let cut = Array(full[..<(capture.body.utf8.count - 60)])
        let (partial, _) = await run(body: cut, eventID: capture.eventID)
        #expect(partial.gradioError?.code == .streamEnded)
    }

    @Test func malformedEventsGiveOneWarningAndTheStreamGoesOn() async throws {
        let capture = Capture.gradio4("normal-stream")
        var parts = capture.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        parts.insert("data: {\"msg\":\"process_generating\",", at: 4)
        parts.insert("data: not json at all", at: 7)
        parts.insert("data: {\"no_msg\":1}", at: 9)
        let (result, _) = await run(body: Array((parts.joined(separator: "\n\n") + "\n\n").utf8), eventID: capture.eventID)
        #expect(result.error == nil)
        let warnings = result.events.filter { if case .warning = $0 { true } else { false } }
        #expect(warnings.count == 1)
        if case .warning(let text)? = warnings.first { #expect(!text.contains("\n")) }
        #expect(result.events.last == .completed)
        #expect(chatbotText(result.outputs.last) == chatbotText(capture.finalOutputs))
    }

    @Test func unknownMessagesAndOtherEventsAreIgnored() async throws {
        let capture = Capture.gradio4("normal-stream")
        let id = capture.eventID!
        var parts = capture.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        parts.insert(#"data: {"msg":"brand_new_message","event_id":"\#(id)","stuff":[1,2]}"#, at: 3)
        parts.insert(#"data: {"msg":"heartbeat"}"#, at: 4)
        parts.insert(#"data: {"msg":"process_completed","event_id":"ffffffffffffffffffffffffffffffff","output":{"error":"not ours"},"success":false}"#, at: 5)
        parts.insert(#"data: {"msg":"process_generating","event_id":"ffffffffffffffffffffffffffffffff","output":{"data":[[],[["replace",[],"x"]],[]]},"success":true}"#, at: 6)
        parts.insert(#"data: {"msg":"unexpected_error","event_id":"ffffffffffffffffffffffffffffffff","message":"not ours"}"#, at: 7)
        parts.insert(#"data: {"msg":"log","event_id":"\#(id)","log":"hello","level":"info"}"#, at: 8)
        let (result, _) = await run(body: Array((parts.joined(separator: "\n\n") + "\n\n").utf8), eventID: id)
        #expect(result.error == nil)
        #expect(result.events.last == .completed)
        #expect(result.events.contains(.log(level: "info", message: "hello")))
        #expect(!result.events.contains { if case .warning = $0 { true } else { false } })
        #expect(chatbotText(result.outputs.last) == chatbotText(capture.finalOutputs))
    }

    @Test func sseV1SendsFullValuesEveryTime() async throws {
        let id = "11112222333344445555666677778888"
        let texts = ["He", "Hell", "Hello", "Hello!"]
        var events = [#"{"msg":"estimation","event_id":"\#(id)","rank":2,"queue_size":5,"rank_eta":null}"#,
                      #"{"msg":"process_starts","event_id":"\#(id)"}"#]
        for text in texts {
            events.append(#"{"msg":"process_generating","event_id":"\#(id)","output":{"data":["",[[{"text":"q"},{"text":"\#(text)"}]],"s"],"is_generating":true},"success":true}"#)
        }
        events.append(#"{"msg":"process_completed","event_id":"\#(id)","output":{"data":["",[[{"text":"q"},{"text":"Hello!"}]],"s"]},"success":true}"#)
        let (result, _) = await run(body: body(events), eventID: id, connection: connection(protocolName: "sse_v1"))
        #expect(result.error == nil)
        #expect(result.events.contains(.queued(position: 3, queueSize: 5, eta: nil)))
        let generating = zip(result.events, result.outputs).filter { if case .generating = $0.0 { true } else { false } }
        #expect(generating.map { $0.0 } == Array(repeating: .generating(edits: nil), count: 4))
        #expect(generating.map { chatbotText($0.1) } == texts)
        #expect(result.events.last == .completed)
    }

    @Test func editsThatDoNotApplyFailTheJob() async throws {
        let id = "11112222333344445555666677778888"
        let events = [
            #"{"msg":"process_generating","event_id":"\#(id)","output":{"data":["",[[{"text":"q"},{"text":"He"}]],"s"]},"success":true}"#,
            #"{"msg":"process_generating","event_id":"\#(id)","output":{"data":[[],[["append",[5,1,"text"],"x"]],[]]},"success":true}"#,
        ]
        let (result, _) = await run(body: body(events), eventID: id)
        #expect(result.gradioError?.code == .badResponse)
        expectSingleLine(result.gradioError)
    }

    // MARK: transport failures

    @Test func connectionLostMidStream() async throws {
        let capture = Capture.gradio4("normal-stream")
        let (result, _) = await run(
            body: Array(capture.bodyBytes.prefix(2500)), eventID: capture.eventID,
            end: .fail(TransportError(.connectionLost, "connection reset by peer"))
        )
        let error = try #require(result.gradioError)
        #expect(error.code == .streamEnded)
        expectSingleLine(error)
        #expect(result.events.contains { if case .generating = $0 { true } else { false } })
    }

    @Test func idleTimeoutMidStream() async throws {
        let capture = Capture.gradio4("normal-stream")
        let (result, _) = await run(body: Array(capture.bodyBytes.prefix(1000)), eventID: capture.eventID, end: .fail(TransportError(.idleTimeout, "no data for 60 s")))
        #expect(result.gradioError?.code == .idleTimeout)
        expectSingleLine(result.gradioError)
    }

    @Test("data stream errors", arguments: [
        (FakeTransport.Reply.fail(TransportError(.unreachable, "refused")), GradioError.Code.unreachable),
        (FakeTransport.Reply.text(503, "<html>down</html>", contentType: "text/html"), .spaceDown),
        (FakeTransport.Reply.json(404, #"{"detail":"Not Found"}"#), .badResponse),
    ])
    func dataStreamErrors(data: FakeTransport.Reply, code: GradioError.Code) async {
        let transport = FakeTransport(join: .json(200, #"{"event_id":"e"}"#), data: data)
        let client = GradioClient(root: root, transport: transport)
        do {
            try await client.submit(connection(), data: qwenData, sessionHash: "s") { _, _ in }
            Issue.record("no error")
        } catch let error as GradioError {
            #expect(error.code == code)
            expectSingleLine(error)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func upstreamErrorTextIsOneLine() async throws {
        let id = "11112222333344445555666677778888"
        let events = [#"{"msg":"process_completed","event_id":"\#(id)","output":{"error":"line one\nline two\r\n\tthree\u0007"},"success":false}"#]
        let (result, _) = await run(body: body(events), eventID: id)
        let error = try #require(result.gradioError)
        #expect(error.code == .upstream)
        #expect(error.message.contains("line one line two"))
        expectSingleLine(error)
        #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func onEventErrorsPropagate() async throws {
        struct Stop: Error {}
        let capture = Capture.gradio4("normal-stream")
        let transport = FakeTransport(join: .json(200, #"{"event_id":"\#(capture.eventID!)"}"#), data: .stream(status: 200, chunks: [capture.bodyBytes], end: .eof))
        let client = GradioClient(root: root, transport: transport)
        var count = 0
        await #expect(throws: Stop.self) {
            try await client.submit(connection(), data: qwenData, sessionHash: "s") { event, _ in
                count += 1
                if case .generating = event { throw Stop() }
            }
        }
        #expect(count == 4) // joined, queued, started, first generating
    }

    // MARK: cancellation

    @Test func cancellingTheTaskPostsCancel() async throws {
        let capture = Capture.gradio4("cancel")
        let id = capture.eventID!
        let partial = capture.body.components(separatedBy: "\n\n").prefix(6).joined(separator: "\n\n") + "\n\n"
        let transport = FakeTransport(
            join: .json(200, #"{"event_id":"\#(id)"}"#),
            data: .stream(status: 200, chunks: [Array(partial.utf8)], end: .block)
        )
        let client = GradioClient(root: root, transport: transport)
        let task = Task { () -> [JobEvent] in
            var events: [JobEvent] = []
            try await client.submit(connection(), data: qwenData, sessionHash: "f1b2c3d4e5") { event, _ in events.append(event) }
            return events
        }
        var waited = 0
        while !transport.isBlocked, waited < 2000 {
            try await Task.sleep(for: .milliseconds(5))
            waited += 1
        }
        #expect(transport.isBlocked)
        task.cancel()
        let result = await task.result
        switch result {
        case .success: Issue.record("the cancelled submit returned normally")
        case .failure(let error):
            #expect((error as? GradioError)?.code == .cancelled, "\(error)")
        }
        let cancel = try #require(transport.requests.last)
        #expect(cancel.method == "POST")
        #expect(cancel.url == root + "/cancel")
        #expect(String(decoding: cancel.body ?? [], as: UTF8.self) == #"{"event_id":"\#(id)","session_hash":"f1b2c3d4e5","fn_index":3}"#)
        #expect(transport.requests.filter { $0.url.hasSuffix("/cancel") }.count == 1)
    }

    @Test func sessionHashes() {
        let hashes = (0..<50).map { _ in GradioClient.makeSessionHash() }
        #expect(Set(hashes).count == 50)
        #expect(hashes.allSatisfy { $0.count >= 10 && $0.allSatisfy { $0.isLowercase || $0.isNumber } && $0.isASCII })
    }
}

extension String {
    fileprivate var isASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }
}
