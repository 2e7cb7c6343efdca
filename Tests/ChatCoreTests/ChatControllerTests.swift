import ChatCore
import GradioClient
import TestSupport
import Testing

@Suite("Chat controller state machine")
struct ChatControllerTests {
    var controller = ChatController()
    var clock = 1000.0

    mutating func send(_ input: ChatController.Input) -> [ChatController.Action] {
        clock += 1
        return controller.handle(input, now: clock)
    }

    @Test("a message starts a turn with only the latest user text and the settings in force")
    mutating func messageStartsTurn() {
        _ = send(.line("/system Be brief."))
        _ = send(.line("/model 7B"))
        let actions = send(.line("hello 你好"))
        #expect(actions.contains(.send(index: 0, userTurn: "hello 你好", systemPrompt: "Be brief.", modelSize: "7B", context: [])))
        #expect(actions.contains(.journal(.turn(index: 0, user: "hello 你好", system: "Be brief.", model: "7B", time: clock, context: 0))))
        #expect(controller.state == .streaming(index: 0))
    }

    @Test("/space switches the Space, keeps the transcript and what the user chose, resets the rest")
    mutating func switchSpace() {
        _ = send(.line("hi"))
        _ = send(.replyFinished(nil))
        controller.knowSpace(.init(model: "14B", systemPrompt: "The old Space's prompt", takesSystemPrompt: true), modelChoices: ["14B", "7B"])
        _ = send(.line("/system Be brief."))
        #expect(send(.line("/space")) == [.showSpace])
        #expect(send(.line("/space o/n http://127.0.0.1:1/x")) == [.switchSpace(id: "o/n", url: "http://127.0.0.1:1/x")])
        #expect(controller.transcript.turns.count == 1)
        #expect(controller.settings.systemPrompt == "Be brief.")
        // What the user did not choose is the new Space's own: not known until it answers.
        #expect(controller.settings.modelSize == nil)
        #expect(controller.spaceDefaults == nil && controller.modelInUse == nil)
        controller.knowSpace(.init(model: "7B", systemPrompt: "The new Space's prompt", takesSystemPrompt: true), modelChoices: ["7B"])
        #expect(controller.modelInUse == "7B")
        #expect(controller.systemPromptInUse == "Be brief.")
    }

    @Test("/space forgets whether the old Space took a history: /context on is checked against the new one")
    mutating func switchSpaceContext() {
        _ = controller.setEndpointTakesHistory(false)
        #expect(send(.line("/context on")).contains { if case .showError = $0 { true } else { false } })
        #expect(!controller.settings.context)
        _ = send(.line("/space o/n"))
        #expect(controller.endpointTakesHistory == nil)
        _ = send(.line("/context on"))
        #expect(controller.settings.context)
    }

    @Test("deltas and revisions build the reply; completion marks it complete")
    mutating func streaming() {
        _ = send(.line("hi"))
        #expect(send(.replyStatus("queued: 2 of 3")) == [.setStatus("queued: 2 of 3")])
        #expect(send(.replyUpdate(.delta("Hel"))) == [.render(.delta("Hel")), .journal(.delta(index: 0, text: "Hel"))])
        _ = send(.replyUpdate(.delta("lo")))
        _ = send(.replyUpdate(.revised("Hello!")))
        #expect(send(.replyStatus("generating…")) == [], "status is not shown once text arrived")
        let actions = send(.replyFinished(nil))
        #expect(actions.first == .endReply)
        #expect(actions.contains(.journal(.end(index: 0, status: .complete, text: "Hello!", error: nil, time: clock))))
        #expect(controller.transcript.turns[0].reply == "Hello!")
        #expect(controller.transcript.turns[0].status == .complete)
        #expect(controller.state == .prompt)
    }

    @Test("Ctrl-C while streaming cancels; the partial reply is kept, marked interrupted")
    mutating func interruptWhileStreaming() {
        _ = send(.line("count"))
        _ = send(.replyUpdate(.delta("one two")))
        #expect(send(.interrupt) == [.cancelReply])
        let actions = send(.replyFinished(GradioError(.cancelled, "cancelled")))
        #expect(actions.contains(.show("(interrupted; the partial reply is kept)")))
        #expect(controller.transcript.turns[0].status == .interrupted)
        #expect(controller.transcript.turns[0].reply == "one two")
        #expect(actions.contains(.journal(.end(index: 0, status: .interrupted, text: "one two", error: nil, time: clock))))
    }

    @Test("a failed reply keeps its partial text and the one-line error")
    mutating func failure() {
        _ = send(.line("x"))
        _ = send(.replyUpdate(.delta("part")))
        let error = GradioError(.streamEnded, "the Space closed the stream before the reply was complete")
        let actions = send(.replyFinished(error))
        #expect(actions.contains(.showError(error.message + " (the partial reply is kept)")))
        #expect(controller.transcript.turns[0].status == .failed)
        #expect(controller.transcript.turns[0].error == error.message)
        #expect(controller.transcript.turns[0].reply == "part")
        #expect(controller.state == .prompt)
    }

    @Test("Ctrl-C at the prompt twice tells how to leave; Ctrl-D exits")
    mutating func promptKeys() {
        #expect(send(.interrupt) == [])
        #expect(send(.interrupt) == [.show("(to leave, press Ctrl-D on an empty line or type /quit)")])
        _ = send(.line("/info"))
        #expect(send(.interrupt) == [], "the count restarts after other input")
        #expect(send(.endOfInput) == [.exit])
        #expect(controller.state == .exiting)
        #expect(send(.line("hello")) == [])
    }

    @Test("/retry resends the last message with the current settings and replaces its reply")
    mutating func retry() {
        #expect(send(.line("/retry")) == [.showError("nothing to retry yet")])
        _ = send(.line("question"))
        _ = send(.replyUpdate(.delta("first answer")))
        _ = send(.replyFinished(nil))
        _ = send(.line("/model 3B"))
        let actions = send(.line("/retry"))
        #expect(actions.contains(.send(index: 0, userTurn: "question", systemPrompt: nil, modelSize: "3B", context: [])))
        #expect(controller.transcript.turns.count == 1)
        #expect(controller.transcript.turns[0].reply == "")
        _ = send(.replyUpdate(.delta("second")))
        _ = send(.replyFinished(nil))
        #expect(controller.transcript.turns[0].reply == "second")
    }

    @Test("/system shows, sets and resets; /clear keeps it")
    mutating func systemPrompt() {
        #expect(send(.line("/system")) == [.show("system prompt: the Space's own")])
        _ = send(.line("/system Talk like a pirate."))
        #expect(controller.settings.systemPrompt == "Talk like a pirate.")
        _ = send(.line("hi"))
        _ = send(.replyFinished(nil))
        #expect(send(.line("/clear")).contains(.startNewJournal))
        #expect(controller.transcript.turns.isEmpty)
        #expect(controller.settings.systemPrompt == "Talk like a pirate.")
        _ = send(.line("/system reset"))
        #expect(controller.settings.systemPrompt == nil)
    }

    @Test("commands that need the shell become actions")
    mutating func shellActions() {
        #expect(send(.line("/copy")) == [.showError("no reply to copy yet")])
        #expect(send(.line("/save")) == [.showError("nothing to save yet")])
        _ = send(.line("hi"))
        _ = send(.replyUpdate(.delta("reply text")))
        _ = send(.replyFinished(nil))
        #expect(send(.line("/copy")) == [.copyToClipboard("reply text")])
        #expect(send(.line("/save out.md")) == [.save(path: "out.md", controller.transcript)])
        #expect(send(.line("/load a.json")) == [.load(path: "a.json")])
        #expect(send(.line("/sessions")) == [.listSessions])
        #expect(send(.line("/edit")) == [.openEditor])
        #expect(send(.line("/history off")) == [.inputHistory(.disable)])
        #expect(send(.line("/history")) == [.printTranscript(controller.transcript)])
        #expect(send(.line("/info")) == [.showInfo(controller.settings, nil, turns: 1, characters: 12)])
        #expect(send(.line("/sytem")) == [.showError("unknown command /sytem; did you mean /system? (/help lists them)")])
    }

    @Test("/edit text is sent; an empty file sends nothing; //text is a message")
    mutating func editorAndEscapes() {
        #expect(send(.editorText("\n")) == [.show("(empty message; nothing sent)")])
        #expect(send(.editorText(nil)) == [.showError("the editor failed; nothing was sent")])
        let actions = send(.editorText("line one\nline two\n"))
        #expect(actions.contains(.send(index: 0, userTurn: "line one\nline two", systemPrompt: nil, modelSize: nil, context: [])))
        _ = send(.replyFinished(nil))
        #expect(send(.line("//model is a word")).contains(.send(index: 1, userTurn: "/model is a word", systemPrompt: nil, modelSize: nil, context: [])))
    }

    @Test("/set stats on adds statistics after a reply")
    mutating func stats() {
        _ = send(.line("/set stats on"))
        #expect(controller.settings.showStats)
        _ = send(.line("hi"))
        _ = send(.replyUpdate(.delta("0123456789")))
        let actions = send(.replyFinished(nil))
        #expect(actions.contains(.show("(2.0 s, 10 characters, 5 characters/s)")))
    }

    @Test("loading a transcript restores its turns and settings and rewrites the journal")
    mutating func load() {
        let loaded = Transcript(turns: [
            Turn(user: "a", reply: "b", systemPrompt: "S", modelSize: "14B", startedAt: 1, finishedAt: 2, status: .complete),
        ])
        let actions = send(.loaded(loaded, warning: "torn"))
        #expect(controller.transcript == loaded)
        #expect(controller.settings.systemPrompt == "S")
        #expect(controller.settings.modelSize == "14B")
        #expect(actions.first == .startNewJournal)
        #expect(actions.contains(.printTranscript(loaded)))
        #expect(actions.contains(.show("torn")))
    }
}

@Suite("Session journal and transcript files")
struct SessionJournalTests {
    @Test("journal lines rebuild the transcript, retries and revisions included")
    func roundTrip() throws {
        let lines = [
            SessionJournal.Entry.session(id: "x", started: 1),
            .turn(index: 0, user: "q1 你好", system: "S", model: "7B", time: 2),
            .delta(index: 0, text: "Hel"),
            .delta(index: 0, text: "lo"),
            .revised(index: 0, text: "Hello\n  there"),
            .end(index: 0, status: .complete, text: "Hello\n  there", error: nil, time: 3),
            .turn(index: 1, user: "q2", system: "S", model: "7B", time: 4),
            .delta(index: 1, text: "partial"),
        ].map(SessionJournal.line(for:)).joined()
        let (transcript, warning) = try SessionJournal.transcript(from: lines)
        #expect(warning == nil)
        #expect(transcript.turns.count == 2)
        #expect(transcript.turns[0].reply == "Hello\n  there")
        #expect(transcript.turns[0].status == .complete)
        #expect(transcript.turns[1].reply == "partial")
        #expect(transcript.turns[1].status == .interrupted, "a turn without an end was cut off")
    }

    @Test("a torn last line is tolerated and reported")
    func tornLine() throws {
        let good = SessionJournal.line(for: .session(id: "x", started: 1))
            + SessionJournal.line(for: .turn(index: 0, user: "q", system: "S", model: "72B", time: 2))
            + SessionJournal.line(for: .delta(index: 0, text: "kept"))
        let (transcript, warning) = try SessionJournal.transcript(from: good + "{\"type\":\"delta\",\"tu")
        #expect(transcript.turns[0].reply == "kept")
        #expect(warning?.contains("cut off") == true)
        #expect(throws: TranscriptError.self) { try SessionJournal.transcript(from: "{\"type\":\"session\"}\nnot json\n{}\n") }
        #expect(throws: TranscriptError.self) { try SessionJournal.transcript(from: "hello\n") }
    }

    @Test("/save JSON round-trips; Markdown has every turn")
    func saveFormats() throws {
        let transcript = Transcript(turns: [
            Turn(user: "q", reply: "```swift\nlet x = 1\n```", systemPrompt: "S", modelSize: "72B", startedAt: 1, finishedAt: 2, status: .complete),
            Turn(user: "q2", reply: "par", systemPrompt: "S", modelSize: "72B", startedAt: 3, status: .interrupted),
        ])
        let reparsed = try Transcript(json: JSONValue.parse(transcript.json.jsonText))
        #expect(reparsed == transcript)
        let markdown = transcript.markdown(title: "t")
        #expect(markdown.contains("## You\n\nq\n\n## Qwen\n\n```swift\nlet x = 1\n```\n"))
        #expect(markdown.contains("*(interrupted)*"))
        #expect(throws: TranscriptError.self) { try Transcript(json: JSONValue.parse("{\"turns\":[]}")) }
    }
}
