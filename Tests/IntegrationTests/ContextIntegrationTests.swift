import ChatCore
import Foundation
import GradioClient
import TestSupport
import Testing

/// A chat as the REPL runs it, minus the terminal: lines go to `ChatController`, each `.send`
/// is submitted with its context through `GradioClient.submitTurn` (what `ChatService` calls)
/// and the reply's events come back through a `TurnDriver`.
struct ControllerChat {
    var controller: ChatController
    let client: GradioClient
    let space: SpaceEndpoint
    let connection: GradioConnection
    private var clock = 1000.0

    init(url: String, context: Bool) async throws {
        client = makeClient(url)
        let answer = try await client.fetchConfig()
        var info: JSONValue?
        if case .config(let config) = answer { info = await client.fetchInfo(config) }
        space = try SpaceEndpoint.choose(answer, info: info, apiName: nil)
        connection = GradioConnection(root: client.root, config: space.config!, endpoint: space.chat.endpoint)
        var settings = ChatSettings()
        settings.context = context
        controller = ChatController(settings: settings)
        _ = controller.setEndpointTakesHistory(space.chat.takesHistory)
    }

    /// Types `line` at the prompt; when it starts a turn, runs it to the end. Returns the
    /// context the controller asked to send (nil when nothing was sent) and the reply.
    mutating func type(_ line: String) async throws -> (context: [ChatExchange]?, reply: String) {
        clock += 1
        var request: (String, [ChatExchange])?
        for case .send(_, let userTurn, _, _, let context) in controller.handle(.line(line), now: clock) {
            request = (userTurn, context)
        }
        guard let (userTurn, context) = request else { return (nil, "") }
        var driver = TurnDriver(maxRetries: 0)
        driver.readReply(fromOutput: space.chat.replyOutputIndex)
        // Each server's own defaults: the tests check the history, not the other inputs.
        let data = space.chat.requestData(message: userTurn, systemPrompt: nil, model: nil, history: context)
        var inputs: [ChatController.Input] = []
        var failure: (any Error)?
        do {
            try await client.submitTurn(connection, chat: space.chat, data: data, history: context) { event, outputs in
                inputs += try driver.handle(event, outputs: outputs).compactMap(\.input)
            }
        } catch {
            failure = error
        }
        inputs.append(TurnDriver.finished(failure))
        for input in inputs {
            clock += 1
            _ = controller.handle(input, now: clock)
        }
        if let failure { throw failure }
        return (context, controller.transcript.turns.last?.reply ?? "")
    }
}

/// The history as the scripted model logged it, as (user, reply) pairs whatever the format.
func loggedExchanges(_ history: JSONValue?) -> [[String]] {
    guard let items = history?.arrayValue else { return [] }
    func text(_ content: JSONValue?) -> String {
        if let string = content?.stringValue { return string }
        return (content?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }
    if items.allSatisfy({ $0.arrayValue != nil }) {
        return items.map { ($0.arrayValue ?? []).map { text($0) } }
    }
    var pairs: [[String]] = []
    for message in items {
        if message["role"]?.stringValue == "user" { pairs.append([text(message["content"])]) } else if !pairs.isEmpty { pairs[pairs.count - 1].append(text(message["content"])) }
    }
    return pairs
}

@Suite("Opt-in memory against the Qwen2.5 replica (Gradio 4.44.1, tuples)", .enabled(if: Server.enabled), .timeLimit(.minutes(2)))
struct ReplicaContextTests {
    @Test("/context on: the second turn's history holds the first turn's text and reply")
    func contextOn() async throws {
        guard let url = try Server.replica.requireURL(), let log = try Server.replica.requireLog() else { return }
        var chat = try await ControllerChat(url: url, context: false)
        #expect(chat.space.chat.historyFormat == .tuples)
        let tag = uniqueTag()
        _ = try await chat.type("/context on")
        let first = try await chat.type("first 你好 \(tag)")
        #expect(first.context == [])
        #expect(first.reply.contains("you said «first 你好 \(tag)»"))
        let second = try await chat.type("second \(tag)")
        #expect(second.context == [ChatExchange(user: "first 你好 \(tag)", reply: first.reply)])
        let record = try #require(try await loggedRequest(in: log, containing: "second \(tag)"))
        #expect(record["history"]?.jsonText == JSONValue.array([.array([.string("first 你好 \(tag)"), .string(first.reply)])]).jsonText)
        #expect(loggedExchanges(record["history"]) == [["first 你好 \(tag)", first.reply]])
    }

    @Test("context off (the default): the second turn's history is empty, as before")
    func contextOff() async throws {
        guard let url = try Server.replica.requireURL(), let log = try Server.replica.requireLog() else { return }
        var chat = try await ControllerChat(url: url, context: false)
        let tag = uniqueTag()
        _ = try await chat.type("first \(tag)")
        let second = try await chat.type("second \(tag)")
        #expect(second.context == [])
        let record = try #require(try await loggedRequest(in: log, containing: "second \(tag)"))
        #expect(record["history"] == .array([]))
    }

    @Test("one-shot --context has no earlier turns: an empty history, the reply as without it")
    func oneShotContext() async throws {
        guard let url = try Server.replica.requireURL(), let log = try Server.replica.requireLog(), let binary = try Binary.require() else { return }
        let tag = uniqueTag()
        let result = try await runBinary(binary, ["--url", url, "--context", "--context-turns", "3", "alone \(tag)"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == Scripted.echo("alone \(tag)") + "\n")
        #expect(result.notes.isEmpty, "stderr: \(result.stderrText)")
        let record = try #require(try await loggedRequest(in: log, containing: "alone \(tag)"))
        #expect(record["history"] == .array([]))
    }

    @Test("a failed turn with no text is left out; /clear leaves out everything before it")
    func failedAndClear() async throws {
        guard let url = try Server.replica.requireURL(), let log = try Server.replica.requireLog() else { return }
        var chat = try await ControllerChat(url: url, context: true)
        let tag = uniqueTag()
        let first = try await chat.type("one \(tag)")
        await #expect(throws: GradioError.self) { _ = try await chat.type("TRIGGER_GR_ERROR \(tag)") }
        _ = try await chat.type("three \(tag)")
        let third = try #require(try await loggedRequest(in: log, containing: "three \(tag)"))
        #expect(loggedExchanges(third["history"]) == [["one \(tag)", first.reply]])
        _ = try await chat.type("/clear")
        _ = try await chat.type("after clear \(tag)")
        let cleared = try #require(try await loggedRequest(in: log, containing: "after clear \(tag)"))
        #expect(cleared["history"] == .array([]))
    }
}

@Suite("Opt-in memory on messages-format servers (Gradio 4.44.1, 5.50, 6.31)", .enabled(if: ShapesServer.enabled), .timeLimit(.minutes(2)))
struct ShapesContextTests {
    @Test("a messages chatbot (/maxdemo, /qwen) receives the earlier turns", arguments: ShapesServer.allCases, ["/maxdemo", "/qwen"])
    func messagesChatbot(server: ShapesServer, path: String) async throws {
        guard let url = try server.requireURL(), let log = server.logPath else { return }
        var chat = try await ControllerChat(url: url + path, context: true)
        #expect(chat.space.chat.historyFormat == (server == .gradio6 ? .messageParts : .messages))
        let tag = uniqueTag()
        let first = try await chat.type("first \(tag)")
        let second = try await chat.type("second \(tag)")
        #expect(second.reply.contains("you said «second \(tag)»"))
        let record = try #require(try await loggedRequest(in: log, containing: "second \(tag)"))
        #expect(loggedExchanges(record["history"]) == [["first \(tag)", first.reply]], "\(record.jsonText)")
    }

    @Test("gr.ChatInterface on 5.x and 6.x: the history state is set first, and the app receives the turns", arguments: ["/chatinterface", "/multimodal"])
    func chatInterface(path: String) async throws {
        for server in [ShapesServer.gradio5, .gradio6] {
            guard let url = try server.requireURL(), let log = server.logPath else { continue }
            var chat = try await ControllerChat(url: url + path, context: true)
            #expect(chat.space.chat.historyPrimer != nil)
            let tag = uniqueTag()
            let first = try await chat.type("first \(tag)")
            _ = try await chat.type("second \(tag)")
            _ = try await chat.type("third \(tag)")
            let second = try await chat.type("fourth \(tag)")
            #expect(second.reply.contains("you said «fourth \(tag)»"))
            let record = try #require(try await loggedRequest(in: log, containing: "fourth \(tag)"))
            let logged = loggedExchanges(record["history"])
            #expect(logged.count == 3, "\(server): \(record.jsonText)")
            #expect(logged.first == ["first \(tag)", first.reply], "\(server): \(record.jsonText)")
        }
    }

    @Test("gr.ChatInterface on 4.x: nothing can set its history state, so /context on is refused")
    func chatInterfaceGradio4() async throws {
        guard let url = try ShapesServer.gradio4.requireURL() else { return }
        var chat = try await ControllerChat(url: url + "/chatinterface", context: false)
        #expect(!chat.space.chat.takesHistory)
        _ = try await chat.type("/context on")
        #expect(!chat.controller.settings.context)
    }
}
