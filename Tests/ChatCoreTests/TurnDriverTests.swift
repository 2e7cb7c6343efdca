@testable import ChatCore
import GradioClient
import TestSupport
import Testing

/// The Qwen Space's outputs with `text` as the latest reply.
private func outputs(_ text: String) -> [JSONValue] {
    try! JSONValue.parse(#"["",[[{"id":null,"text":"q","avatar":""},{"id":null,"text":\#(JSONValue.string(text).jsonText),"avatar":""}]],"sys"]"#).arrayValue!
}

/// Plays scripted job events through a driver and a controller, as both shells do.
private struct Turn {
    var driver = TurnDriver(maxRetries: 3)
    var controller = ChatController()
    var events: [TurnDriver.Event] = []
    var actions: [ChatController.Action] = []

    init(message: String = "hi") {
        _ = controller.handle(.message(message), now: 1)
    }

    mutating func feed(_ event: JobEvent, _ values: [JSONValue] = []) {
        let outputs: [TurnDriver.Event]
        do {
            outputs = try driver.handle(event, outputs: values)
        } catch {
            Issue.record("\(error)")
            return
        }
        for output in outputs {
            events.append(output)
            if let input = output.input { actions += controller.handle(input, now: 2) }
        }
    }

    mutating func end(_ error: (any Error)?) -> [ChatController.Action] {
        controller.handle(TurnDriver.finished(error), now: 3)
    }
}

private struct SomeError: Error, CustomStringConvertible {
    var description: String { "socket closed" }
}

@Suite("Turn driver: job events to chat inputs")
struct TurnDriverTests {
    @Test("queue positions: a status every time, a line of its own only when others are ahead and it changed")
    func queueLines() {
        var turn = Turn()
        turn.feed(.joined(eventID: "e"))
        turn.feed(.queued(position: 3, queueSize: 5, eta: 12))
        turn.feed(.queued(position: 3, queueSize: 5, eta: 12))
        turn.feed(.queued(position: 2, queueSize: 5, eta: nil))
        turn.feed(.queued(position: 1, queueSize: 5, eta: nil))
        let three = QueueStatus(position: 3, queueSize: 5, eta: 12)
        #expect(turn.events == [
            .queued(three), .queueNote("queued: 3 of 5, about 12 s"),
            .queued(three),
            .queued(QueueStatus(position: 2, queueSize: 5, eta: nil)), .queueNote("queued: 2 of 5"),
            .queued(QueueStatus(position: 1, queueSize: 5, eta: nil)),
        ])
        #expect(turn.actions == [
            .setStatus("queued: 3 of 5, about 12 s"), .setStatus("queued: 3 of 5, about 12 s"),
            .setStatus("queued: 2 of 5"), .setStatus("queued: 1 of 5"),
        ])
    }

    @Test("retries and the start become status lines; warnings, logs and a fallback become notes")
    func statusAndNotes() {
        var turn = Turn()
        turn.feed(.retrying(attempt: 1, delay: 3.2, reason: "the Space's queue is full; try again later"))
        turn.feed(.started(eta: nil))
        turn.feed(.warning("skipped a malformed event"))
        turn.feed(.log(level: "INFO", message: "warming up"))
        turn.feed(.log(level: nil, message: "plain"))
        turn.feed(.progress(.null))
        #expect(turn.events == [
            .retrying(attempt: 1, of: 3, delay: 3.2, reason: "the Space's queue is full; try again later"),
            .started,
            .note("skipped a malformed event"),
            .note("the Space says (info): warming up"),
            .note("the Space says: plain"),
        ])
        #expect(turn.actions == [
            .setStatus("busy, retrying in 4 s (attempt 1 of 3): the Space's queue is full; try again later"),
            .setStatus("generating…"),
        ])
        #expect(turn.driver.connected(fallbackReason: "no /model_chat; using fn_index 0") == [.note("no /model_chat; using fn_index 0")])
        #expect(turn.driver.connected(fallbackReason: nil) == [])
    }

    @Test("text arrives as deltas, a rewrite as a revision, and completion settles the exact final text")
    mutating func revisionsAndCompletion() {
        var turn = Turn()
        turn.feed(.generating(edits: nil), outputs("Hel"))
        turn.feed(.generating(edits: nil), outputs("Hello"))
        turn.feed(.generating(edits: nil), outputs("Hello"))
        turn.feed(.generating(edits: nil), outputs("Help!"))
        turn.feed(.completed, outputs("Help! Done."))
        #expect(turn.events == [.text(.delta("Hel")), .text(.delta("lo")), .text(.revised("Help!")), .text(.delta(" Done."))])
        #expect(turn.driver.text == "Help! Done.")
        #expect(turn.actions.first == .render(.delta("Hel")))
        #expect(turn.actions.contains(.journal(.revised(index: 0, text: "Help!"))))
        let end = turn.end(nil)
        #expect(end.first == .endReply)
        #expect(turn.controller.transcript.turns[0].reply == "Help! Done.")
        #expect(turn.controller.transcript.turns[0].status == .complete)
    }

    @Test("status lines stop once text shows")
    func statusAfterText() {
        var turn = Turn()
        turn.feed(.generating(edits: nil), outputs("A"))
        turn.feed(.retrying(attempt: 2, delay: 1, reason: "busy"))
        #expect(turn.actions == [.render(.delta("A")), .journal(.delta(index: 0, text: "A"))])
    }

    @Test("an error keeps the partial text; a cancel marks it interrupted; other errors become one line")
    func errorsKeepPartialText() {
        var failed = Turn()
        failed.feed(.generating(edits: nil), outputs("partial"))
        let actions = failed.end(GradioError(.spaceDown, "the Space stopped answering"))
        #expect(actions.contains(.showError("the Space stopped answering (the partial reply is kept)")))
        #expect(failed.controller.transcript.turns[0].reply == "partial")
        #expect(failed.controller.transcript.turns[0].status == .failed)

        var cancelled = Turn()
        cancelled.feed(.generating(edits: nil), outputs("half"))
        #expect(cancelled.end(GradioError(.cancelled, "cancelled")).contains(.show("(interrupted; the partial reply is kept)")))
        #expect(cancelled.controller.transcript.turns[0].status == .interrupted)

        #expect(TurnDriver.finished(SomeError()) == .replyFinished(GradioError(.badResponse, "socket closed")))
        #expect(TurnDriver.finished(nil) == .replyFinished(nil))
    }

    @Test("a recorded Qwen replica stream through GradioJob, the driver and the controller ends with the Space's exact text")
    func recordedStream() throws {
        let messages = try Fixtures.messages("harness/replica-4.44.1-normal.txt")
        var job = GradioJob(eventID: messages.lazy.compactMap(\.eventID).first, sendsDiffs: true)
        var turn = Turn()
        var finalText: String?
        for message in messages {
            guard case .event(let event) = job.handle(message) else { continue }
            turn.feed(event, job.outputs ?? [])
            if event == .completed { finalText = ChatbotValue.latestReply(in: (job.outputs ?? [])[QwenSpace.chatbotOutputIndex])?.text }
        }
        let expected = try #require(finalText)
        #expect(!expected.isEmpty)
        #expect(turn.driver.text == expected)
        #expect(turn.events.contains(.started))
        _ = turn.end(nil)
        #expect(turn.controller.transcript.turns[0].reply == expected)
    }

    @Test("a one-shot message is sent as it is, even when it looks like a command")
    func messageIsNotACommand() {
        var controller = ChatController()
        let actions = controller.handle(.message("/help me"), now: 1)
        #expect(actions.contains(.send(index: 0, userTurn: "/help me", systemPrompt: nil, modelSize: nil, context: [])))
    }
}

@Suite("TurnDriver: a completed job without a reply")
struct TurnDriverNoReplyTests {
    @Test("outputs without the reply's output, or a chatbot with no reply, end the turn with an error", arguments: [
        [JSONValue](),
        [JSONValue.string("")],
        [JSONValue.string(""), .array([])],
    ])
    func noReply(outputs: [JSONValue]) {
        var driver = TurnDriver(maxRetries: 0)
        #expect(throws: GradioError.self) { try driver.handle(.completed, outputs: outputs) }
    }

    @Test("an empty reply is still a reply")
    func emptyReply() throws {
        var driver = TurnDriver(maxRetries: 0)
        let outputs: [JSONValue] = [.string(""), .array([.array([.string("hi"), .string("")])])]
        #expect(try driver.handle(.completed, outputs: outputs).isEmpty)
    }
}

@Suite("TurnDriver: a flood of the Space's messages")
struct TurnDriverLogFloodTests {
    @Test("the first messages are notes, then one line says the rest are not shown")
    func flood() throws {
        var driver = TurnDriver(maxRetries: 0)
        var notes: [String] = []
        for i in 0..<10_000 {
            for case .note(let note) in try driver.handle(.log(level: "info", message: "message \(i)\u{1B}[2J"), outputs: []) { notes.append(note) }
        }
        #expect(notes.count == TurnDriver.maximumLogNotes + 1)
        #expect(notes.first == "the Space says (info): message 0␛[2J")
        #expect(notes.last == "the Space sent more messages; the rest are not shown")
    }
}
