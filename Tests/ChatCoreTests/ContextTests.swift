import ChatCore
import GradioClient
import TestSupport
import Testing

private func turn(_ user: String, _ reply: String, _ status: Turn.Status = .complete) -> Turn {
    Turn(user: user, reply: reply, systemPrompt: "S", modelSize: "72B", startedAt: 1, finishedAt: 2, status: status)
}

@Suite("Opt-in memory: which earlier turns /context sends")
struct ContextExchangesTests {
    @Test("turns with a reply, in order; a partial reply counts, a failure without text does not")
    func whichTurns() {
        let transcript = Transcript(turns: [
            turn("q1", "a1"),
            turn("q2", "", .failed),
            turn("q3", "par", .interrupted),
            turn("q4", "half", .failed),
            turn("q5", "a5"),
        ])
        #expect(transcript.contextExchanges(before: 5, limit: 10) == [
            ChatExchange(user: "q1", reply: "a1"), ChatExchange(user: "q3", reply: "par"),
            ChatExchange(user: "q4", reply: "half"), ChatExchange(user: "q5", reply: "a5"),
        ])
        // Only turns before the one being sent (a /retry of turn 4 leaves out turn 4 itself).
        #expect(transcript.contextExchanges(before: 4, limit: 10).map(\.user) == ["q1", "q3", "q4"])
        #expect(transcript.contextExchanges(before: 0, limit: 10).isEmpty)
    }

    @Test("the last N of them")
    func trimming() {
        let transcript = Transcript(turns: (1...12).map { turn("q\($0)", "a\($0)") })
        #expect(transcript.contextExchanges(before: 12, limit: 3).map(\.user) == ["q10", "q11", "q12"])
        #expect(transcript.contextExchanges(before: 12, limit: 1) == [ChatExchange(user: "q12", reply: "a12")])
        #expect(transcript.contextExchanges(before: 12, limit: 100).count == 12)
    }
}

@Suite("Opt-in memory: /context in the controller")
struct ContextControllerTests {
    var controller = ChatController()
    var clock = 1000.0

    mutating func send(_ input: ChatController.Input) -> [ChatController.Action] {
        clock += 1
        return controller.handle(input, now: clock)
    }

    /// Sends `message` and finishes its reply with `reply`; returns the `.send` action's context.
    mutating func exchange(_ message: String, reply: String, error: GradioError? = nil) -> [ChatExchange]? {
        let actions = send(.line(message))
        if !reply.isEmpty { _ = send(.replyUpdate(.delta(reply))) }
        _ = send(.replyFinished(error))
        return sentContext(actions)
    }

    func sentContext(_ actions: [ChatController.Action]) -> [ChatExchange]? {
        for case .send(_, _, _, _, let context) in actions { return context }
        return nil
    }

    func journalContext(_ actions: [ChatController.Action]) -> Int?? {
        for case .journal(.turn(_, _, _, _, _, let context)) in actions { return context }
        return nil
    }

    @Test("off by default: every turn goes without history, and the journal says 0")
    mutating func offByDefault() {
        #expect(!controller.settings.context)
        #expect(exchange("q1", reply: "a1") == [])
        let actions = send(.line("q2"))
        #expect(sentContext(actions) == [])
        #expect(journalContext(actions) == .some(0))
    }

    @Test("on: the second turn carries the first, and the journal counts what was sent")
    mutating func on() {
        #expect(send(.line("/context on")) == [.show("context on: the last 10 earlier turns with a reply go as history (checked against the Space at the next turn)")])
        #expect(controller.settings.context)
        #expect(exchange("q1", reply: "a1") == [])
        _ = exchange("q2", reply: "", error: GradioError(.upstream, "boom"))
        let actions = send(.line("q3"))
        #expect(sentContext(actions) == [ChatExchange(user: "q1", reply: "a1")])
        #expect(journalContext(actions) == .some(1))
        _ = send(.replyUpdate(.delta("a3")))
        _ = send(.interrupt)
        _ = send(.replyFinished(GradioError(.cancelled, "cancelled")))
        #expect(sentContext(send(.line("q4"))) == [ChatExchange(user: "q1", reply: "a1"), ChatExchange(user: "q3", reply: "a3")])
    }

    @Test("--context-turns limits how many go")
    mutating func limit() {
        var settings = ChatSettings()
        settings.context = true
        settings.contextTurns = 2
        controller = ChatController(settings: settings)
        for i in 1...4 { _ = exchange("q\(i)", reply: "a\(i)") }
        #expect(sentContext(send(.line("q5")))?.map(\.user) == ["q3", "q4"])
    }

    @Test("/context off stops it; /context says the mode")
    mutating func offAgain() {
        _ = send(.line("/context on"))
        _ = exchange("q1", reply: "a1")
        #expect(send(.line("/context")) == [.show("context: on (the last 10 earlier turns with a reply go as history)")])
        #expect(send(.line("/context off")) == [.show("context off: only the system prompt and the latest message are sent")])
        #expect(sentContext(send(.line("q2"))) == [])
        _ = send(.replyFinished(nil))
        #expect(send(.line("/context")) == [.show("context: off (only the system prompt and the latest message are sent; /context on sends earlier turns)")])
    }

    @Test("after /clear nothing earlier is sent; after /load the loaded turns are")
    mutating func clearAndLoad() {
        _ = send(.line("/context on"))
        _ = exchange("q1", reply: "a1")
        _ = send(.line("/clear"))
        #expect(sentContext(send(.line("fresh"))) == [])
        _ = send(.replyFinished(nil))
        _ = send(.loaded(Transcript(turns: [turn("l1", "r1"), turn("l2", "r2")]), warning: nil))
        #expect(sentContext(send(.line("next"))) == [ChatExchange(user: "l1", reply: "r1"), ChatExchange(user: "l2", reply: "r2")])
    }

    @Test("/retry sends the turns before the retried one")
    mutating func retry() {
        _ = send(.line("/context on"))
        _ = exchange("q1", reply: "a1")
        _ = exchange("q2", reply: "a2")
        #expect(sentContext(send(.line("/retry"))) == [ChatExchange(user: "q1", reply: "a1")])
    }

    @Test("a Space whose endpoint takes no history: /context on is refused, and --context goes off with one note")
    mutating func noHistoryInput() {
        var settings = ChatSettings()
        settings.context = true
        controller = ChatController(settings: settings)
        #expect(controller.setEndpointTakesHistory(false) == [.show("this Space's chat endpoint takes no history, so only the system prompt and the latest message can be sent; context off")])
        #expect(!controller.settings.context)
        #expect(send(.line("/context on")) == [.showError("this Space's chat endpoint takes no history, so only the system prompt and the latest message can be sent; context stays off")])
        #expect(!controller.settings.context)
        #expect(send(.line("/context")) == [.show("context: off (this Space's chat endpoint takes no history, so only the system prompt and the latest message can be sent)")])
        _ = exchange("q1", reply: "a1")
        #expect(sentContext(send(.line("q2"))) == [])
    }

    @Test("a Space that keeps the conversation in its session: /context on says so, and the earlier turns go to the service")
    mutating func conversationInSession() {
        #expect(controller.setEndpointTakesHistory(true, inSession: true) == [])
        #expect(send(.line("/context on")) == [.show("context on: the turns join one session of the Space, which keeps the conversation (/clear starts a new one)")])
        #expect(send(.line("/context")) == [.show("context: on (the turns join one session of the Space, which keeps the conversation (/clear starts a new one))")])
        _ = exchange("q1", reply: "a1")
        #expect(sentContext(send(.line("q2"))) == [ChatExchange(user: "q1", reply: "a1")])
        _ = send(.replyFinished(nil))
        _ = send(.line("/clear"))
        #expect(sentContext(send(.line("q3"))) == [])
    }

    @Test("a Space that takes history: /context on is not qualified")
    mutating func knownHistoryInput() {
        #expect(controller.setEndpointTakesHistory(true) == [])
        #expect(send(.line("/context on")) == [.show("context on: the last 10 earlier turns with a reply go as history")])
    }
}

@Suite("Opt-in memory: /context parsing, help, completion, journal and /info")
struct ContextCommandTests {
    @Test("/context [on | off]")
    func parse() {
        #expect(SlashCommand.parse("/context") == .success(.context(nil)))
        #expect(SlashCommand.parse("/context ON") == .success(.context(true)))
        #expect(SlashCommand.parse("/context off") == .success(.context(false)))
        if case .failure(let error) = SlashCommand.parse("/context maybe") {
            #expect(error.description == "/context takes on or off")
        } else {
            Issue.record("/context maybe parsed")
        }
        #expect(SlashCommand.helpText(for: nil).contains("/context [on | off]"))
        #expect(SlashCommand.helpText(for: "context").contains("--context-turns"))
        #expect(SlashCommand.completions(line: "/con", cursor: 4) == ["/context"])
        #expect(SlashCommand.completions(line: "/context o", cursor: 10) == ["on", "off"])
    }

    @Test("the journal's turn line says how many earlier turns were sent; old lines still load")
    func journal() throws {
        let line = SessionJournal.line(for: .turn(index: 2, user: "q", system: "S", model: "7B", time: 5, context: 2))
        #expect(line.contains(#""context":2"#))
        #expect(!SessionJournal.line(for: .turn(index: 0, user: "q", system: "S", model: "7B", time: 5)).contains("context"))
        let old = #"{"type":"session","format":"qwen-chat-session","version":1,"id":"x","started":1}"# + "\n"
            + #"{"type":"turn","turn":0,"user":"q","system":"S","model":"7B","time":2}"# + "\n"
            + #"{"type":"end","turn":0,"status":"complete","text":"a","time":3}"# + "\n"
        let (transcript, warning) = try SessionJournal.transcript(from: old + line)
        #expect(warning == nil)
        #expect(transcript.turns.map(\.user) == ["q", "q"])
        #expect(transcript.turns[0].reply == "a")
    }

    @Test("/info says which mode is on, and the limit")
    func info() {
        var settings = ChatSettings()
        var info = ChatInfo(endpoint: "http://x", server: nil, settings: settings, turns: 0, characters: 0, sessionFile: nil, inputHistory: nil)
        #expect(info.text.contains("\ncontext: off (only the system prompt and the latest message are sent; /context on sends earlier turns)"))
        settings.context = true
        settings.contextTurns = 3
        info.settings = settings
        #expect(info.text.contains("\ncontext: on (the last 3 earlier turns with a reply go as history)"))
    }
}
