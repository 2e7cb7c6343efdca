import TestSupport
import Testing
@testable import ChatCore
import GradioClient

private func json(_ text: String) -> JSONValue { try! JSONValue.parse(text) }

/// What a consumer sees when it follows the updates: deltas appended, revisions replacing.
struct Replayed {
    var updates: [TextUpdate] = []
    var text = ""
    var finalText: String?
    var trackerText = ""

    mutating func take(_ update: TextUpdate?) {
        guard let update else { return }
        updates.append(update)
        switch update {
        case .delta(let piece): text += piece
        case .revised(let full): text = full
        }
    }

    var revisions: Int { updates.filter { if case .revised = $0 { true } else { false } }.count }
    var deltas: [String] { updates.compactMap { if case .delta(let d) = $0 { d } else { nil } } }
}

/// Replays a capture through GradioJob and ReplyTracker, as the client's shell does.
func replay(_ name: String, outputIndex: Int = 1, onUpdate: (TextUpdate) -> Void = { _ in }) throws -> Replayed {
    let messages = try Fixtures.messages(name)
    let eventID = messages.lazy.compactMap(\.eventID).first
    var job = GradioJob(eventID: eventID, sendsDiffs: true)
    var tracker = ReplyTracker(outputIndex: outputIndex)
    var result = Replayed()
    for message in messages {
        switch job.handle(message) {
        case .event(.generating(let edits)):
            let update = tracker.update(outputs: job.outputs ?? [], edits: edits)
            if let update { onUpdate(update) }
            result.take(update)
        case .event(.completed):
            let outputs = job.outputs ?? []
            result.finalText = ChatbotValue.latestReply(in: outputs[outputIndex])?.text
            let update = tracker.finish(outputs: outputs)
            if let update { onUpdate(update) }
            result.take(update)
        case .fail(let error):
            Issue.record("\(name): \(error)")
        default:
            break
        }
    }
    result.trackerText = tracker.text
    return result
}

private func qwenOutputs(_ text: String) -> [JSONValue] {
    json(#"["",[[{"id":null,"text":"q","avatar":""},{"id":null,"text":\#(JSONValue.string(text).jsonText),"avatar":""}]],"sys"]"#).arrayValue!
}

@Suite("ReplyTracker")
struct ReplyTrackerTests {
    /// One shape of chatbot value: how to build it, and the path appends go to.
    struct Shape: Sendable, CustomTestStringConvertible {
        var name: String
        var outputIndex: Int
        var path: [JSONPathComponent]
        var make: @Sendable (String) -> [JSONValue]
        var testDescription: String { name }
    }

    static let shapes: [Shape] = [
        Shape(name: "Qwen pairs [k,1,text]", outputIndex: 1, path: [.index(0), .index(1), .key("text")], make: qwenOutputs),
        Shape(name: "Gradio 5 messages [k,content]", outputIndex: 1, path: [.index(1), .key("content")], make: { text in
            json(#"["",[{"role":"user","content":"q"},{"role":"assistant","metadata":null,"content":\#(JSONValue.string(text).jsonText)}],"s"]"#).arrayValue!
        }),
        Shape(name: "Gradio 6 parts [k,content,0,text]", outputIndex: 1, path: [.index(1), .key("content"), .index(0), .key("text")], make: { text in
            json(#"["",[{"role":"user","content":[{"text":"q","type":"text"}]},{"role":"assistant","content":[{"text":\#(JSONValue.string(text).jsonText),"type":"text"}]}],"s"]"#).arrayValue!
        }),
        Shape(name: "bare string []", outputIndex: 0, path: [], make: { text in [.string(text), .null] }),
    ]

    /// Applies ops to the chatbot output and feeds the tracker as GradioJob would.
    private func step(_ tracker: inout ReplyTracker, _ outputs: inout [JSONValue], _ shape: Shape, _ ops: [EditOperation]) throws -> TextUpdate? {
        try outputs[shape.outputIndex].apply(ops)
        var edits = Array(repeating: [EditOperation](), count: outputs.count)
        edits[shape.outputIndex] = ops
        return tracker.update(outputs: outputs, edits: edits)
    }

    @Test("appends at the reply path become deltas", arguments: shapes)
    func appendsAreDeltas(shape: Shape) throws {
        var tracker = ReplyTracker(outputIndex: shape.outputIndex)
        var outputs = shape.make("Hel")
        #expect(tracker.update(outputs: outputs, edits: nil) == .delta("Hel"))
        #expect(try step(&tracker, &outputs, shape, [EditOperation(.append, shape.path, .string("lo"))]) == .delta("lo"))
        #expect(try step(&tracker, &outputs, shape, [EditOperation(.append, shape.path, .string(" wo")), EditOperation(.append, shape.path, .string("rld"))]) == .delta(" world"))
        // No ops: nothing changed.
        #expect(tracker.update(outputs: outputs, edits: outputs.map { _ in [] }) == nil)
        #expect(tracker.text == "Hello world")
        // Repeated tokens are never deduplicated.
        for _ in 0..<3 {
            #expect(try step(&tracker, &outputs, shape, [EditOperation(.append, shape.path, .string(" ha"))]) == .delta(" ha"))
        }
        #expect(tracker.text == "Hello world ha ha ha")
        #expect(tracker.finish(outputs: outputs) == nil)
    }

    @Test("a replace that rewrites earlier text is a revision", arguments: shapes)
    func replaceRevises(shape: Shape) throws {
        var tracker = ReplyTracker(outputIndex: shape.outputIndex)
        var outputs = shape.make("Steps:\n  ")
        #expect(tracker.update(outputs: outputs, edits: nil) == .delta("Steps:\n  "))
        #expect(try step(&tracker, &outputs, shape, [EditOperation(.replace, shape.path, .string("Steps:\no"))]) == .revised("Steps:\no"))
        #expect(tracker.text == "Steps:\no")
        // A replace that only extends is a delta.
        #expect(try step(&tracker, &outputs, shape, [EditOperation(.replace, shape.path, .string("Steps:\none"))]) == .delta("ne"))
        // A replace with the same text is nothing.
        #expect(try step(&tracker, &outputs, shape, [EditOperation(.replace, shape.path, .string("Steps:\none"))]) == nil)
        // A shorter text is a revision.
        #expect(try step(&tracker, &outputs, shape, [EditOperation(.replace, shape.path, .string("Steps:"))]) == .revised("Steps:"))
    }

    @Test("canonically equivalent but different text is a revision", arguments: shapes)
    func exactness(shape: Shape) throws {
        var tracker = ReplyTracker(outputIndex: shape.outputIndex)
        var outputs = shape.make("caf\u{E9}")
        #expect(tracker.update(outputs: outputs, edits: nil) == .delta("caf\u{E9}"))
        // "é" precomposed vs "e" + combining acute: equal as Swift Strings, different bytes.
        #expect("caf\u{E9}" == "cafe\u{301}")
        let update = try step(&tracker, &outputs, shape, [EditOperation(.replace, shape.path, .string("cafe\u{301}"))])
        guard case .revised(let full)? = update else {
            Issue.record("expected a revision, got \(String(describing: update))")
            return
        }
        #expect(Array(full.utf8) == Array("cafe\u{301}".utf8))
        #expect(Array(tracker.text.utf8) == Array("cafe\u{301}".utf8))
        // Appending a combining mark is a delta of just that mark.
        #expect(try step(&tracker, &outputs, shape, [EditOperation(.append, shape.path, .string("\u{301}"))]) == .delta("\u{301}"))
        #expect(Array(tracker.text.utf8) == Array("cafe\u{301}\u{301}".utf8))
        // And finish with the precomposed form revises again, byte for byte.
        let final = shape.make("caf\u{E9}")
        let last = tracker.finish(outputs: final)
        #expect(last.map { if case .revised = $0 { true } else { false } } == true)
        #expect(Array(tracker.text.utf8) == Array("caf\u{E9}".utf8))
    }

    @Test("finish makes the text equal the final value byte for byte", arguments: shapes)
    func finish(shape: Shape) throws {
        var tracker = ReplyTracker(outputIndex: shape.outputIndex)
        _ = tracker.update(outputs: shape.make("partial"), edits: nil)
        #expect(tracker.finish(outputs: shape.make("partial reply")) == .delta(" reply"))
        #expect(tracker.text == "partial reply")
        #expect(tracker.finish(outputs: shape.make("Different")) == .revised("Different"))
        #expect(tracker.finish(outputs: shape.make("Different")) == nil)
        #expect(tracker.finish(outputs: shape.make("")) == .revised(""))
        #expect(tracker.text.isEmpty)
    }

    @Test func appendsWhoseLengthsDisagreeAreReconciled() throws {
        // The tracker missed an update: the append op alone would lose text, so it compares.
        var tracker = ReplyTracker(outputIndex: 1)
        _ = tracker.update(outputs: qwenOutputs("Hel"), edits: nil)
        let path: [JSONPathComponent] = [.index(0), .index(1), .key("text")]
        let update = tracker.update(outputs: qwenOutputs("Hello world"), edits: [[], [EditOperation(.append, path, .string("ld"))], []])
        #expect(update == .delta("lo world"))
        #expect(tracker.text == "Hello world")
        // An append elsewhere (the user's text) is compared too.
        let other = tracker.update(outputs: qwenOutputs("Hello world"), edits: [[], [EditOperation(.append, [.index(0), .index(0), .key("text")], .string("?"))], []])
        #expect(other == nil)
    }

    @Test func noAssistantReplyYet() {
        var tracker = ReplyTracker(outputIndex: 1)
        #expect(tracker.update(outputs: [.string(""), json(#"[{"role":"user","content":"q"}]"#)], edits: nil) == nil)
        #expect(tracker.update(outputs: [.string("")], edits: nil) == nil) // output missing
        #expect(tracker.finish(outputs: []) == nil)
        #expect(tracker.text.isEmpty)
    }

    @Test("real captures: deltas and revisions rebuild the final text exactly", arguments: [
        ("gradio-4.44.1/normal-stream.txt", 1, 0),
        ("harness/replica-4.44.1-normal.txt", 1, 0),
        ("harness/gradio-5.50.0-normal.txt", 1, 0),
        ("harness/gradio-6.31.0-normal.txt", 1, 0),
        ("gradio-6.31.0/chat-interface-stream.txt", 0, 0),
        ("harness/replica-4.44.1-indent.txt", 1, 2),
        ("harness/gradio-5.50.0-indent.txt", 1, 2),
        ("harness/gradio-6.31.0-indent.txt", 1, 2),
        ("harness/replica-4.44.1-leading-blank.txt", 1, -1),
    ])
    func captures(name: String, outputIndex: Int, expectedRevisions: Int) throws {
        let result = try replay(name, outputIndex: outputIndex)
        let finalText = try #require(result.finalText)
        #expect(Array(result.text.utf8) == Array(finalText.utf8))
        #expect(Array(result.trackerText.utf8) == Array(finalText.utf8))
        if expectedRevisions >= 0 {
            #expect(result.revisions == expectedRevisions)
        } else {
            #expect(result.revisions >= 1)
        }
        if expectedRevisions == 0 {
            // Without revisions, every append op is one delta, in order.
            let appends = try Fixtures.messages(name).compactMap { message -> [String]? in
                guard case .processGenerating(let output, _) = message.kind, let data = output["data"]?.arrayValue,
                      outputIndex < data.count, case .array(let ops) = data[outputIndex] else { return nil }
                return ops.compactMap { $0[2]?.stringValue }
            }.filter { !$0.isEmpty }.map { $0.joined() }
            #expect(result.deltas.dropFirst() == appends[...])
            #expect(result.deltas.joined() == finalText)
        }
    }

    @Test func leadingBlankCaptureText() throws {
        let result = try replay("harness/replica-4.44.1-leading-blank.txt")
        let finalText = try #require(result.finalText)
        // Raw "\n\n    Leading blank lines.\n    Indented too.\nFlush left.": once the last line
        // arrives, cleandoc's common indentation drops to zero and the first line regains its spaces.
        #expect(finalText == "    Leading blank lines.\n    Indented too.\nFlush left.")
        #expect(result.updates.contains(.revised("Lea")))
    }
}
