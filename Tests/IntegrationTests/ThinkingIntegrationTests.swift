import ChatCore
import Foundation
import Synchronization
import GradioClient
import TestSupport
import Testing

// Models that think, through the binary: the answer alone on a pipe, the reasoning in --json.
// gr.ChatMessage thoughts: harness/shapes/app.py's /thinking on Gradio 5.50 and 6.31; inline
// <think> tags: TRIGGER_THINK on the Qwen2.5 replica (Gradio 4.44.1).

private let inlineReasoning = "The user asks for 2+2.\nTwo and two make four.\n"

private struct NDJSON {
    var events: [JSONValue]
    init(_ text: String) throws {
        events = try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }
    func joined(_ type: String) -> String {
        events.filter { $0["type"]?.stringValue == type }.compactMap { $0["text"]?.stringValue }.joined()
    }
    var done: JSONValue? { events.last { $0["type"]?.stringValue == "done" } }
}

@Suite("Reasoning kept apart from the answer, through the binary", .enabled(if: ShapesServer.enabled), .timeLimit(.minutes(2)))
struct ThinkingIntegrationTests {
    @Test("ChatMessage thoughts: piped stdout is the answer alone, with no revision warning", arguments: [ShapesServer.gradio5, .gradio6])
    func chatMessageThoughts(server: ShapesServer) async throws {
        guard let url = try server.requireURL(), let binary = try Binary.require() else { return }
        let message = "sum \(uniqueTag())"
        let piped = try await runBinary(binary, ["--url", url + "/thinking", message])
        #expect(piped.status == 0, "stderr: \(piped.stderrText)")
        #expect(piped.stdoutText == "The answer to «\(message)» is 4.\n")
        #expect(piped.notes.isEmpty, "stderr: \(piped.stderrText)")

        let json = try await runBinary(binary, ["--url", url + "/thinking", "--json", message])
        #expect(json.status == 0, "stderr: \(json.stderrText)")
        let events = try NDJSON(json.stdoutText)
        let thought = "Let me think about «\(message)». Two and two make four."
        #expect(events.joined("thinking") == thought)
        #expect(events.joined("delta") == "The answer to «\(message)» is 4.")
        #expect(events.done?["text"]?.stringValue == "The answer to «\(message)» is 4.")
        #expect(events.done?["thinking"]?.stringValue == thought)
    }

    @Test("inline <think> tags cut between tokens: the answer alone on a pipe, the reasoning in --json")
    func inlineTags() async throws {
        guard let url = try Server.replica.requireURL(), let binary = try Binary.require() else { return }
        let message = "TRIGGER_THINK \(uniqueTag())"
        let piped = try await runBinary(binary, ["--url", url, message])
        #expect(piped.status == 0, "stderr: \(piped.stderrText)")
        #expect(piped.stdoutText == "The answer is 4.\n")
        #expect(piped.notes.isEmpty, "stderr: \(piped.stderrText)")

        let json = try await runBinary(binary, ["--url", url, "--json", message])
        let events = try NDJSON(json.stdoutText)
        #expect(events.joined("thinking") == inlineReasoning)
        #expect(events.joined("delta") == "The answer is 4.")
        #expect(events.done?["thinking"]?.stringValue == inlineReasoning)
    }

    @Test("--thinking takes collapse, show or hide")
    func thinkingFlag() async throws {
        guard let binary = try Binary.require() else { return }
        let bad = try await runBinary(binary, ["--thinking", "loud", "hi"])
        #expect(bad.status == 2)
        #expect(bad.stderrLines.first?.contains("--thinking") == true, "stderr: \(bad.stderrText)")
    }
}

/// harness/qwen3_demo: Qwen/Qwen3-Demo's layout (antdx.Sender in, an antd.Form of settings, two
/// States, pro.Chatbot out in an update wrapper, reasoning as tool parts) on Gradio 5.27.0.
enum Qwen3Demo {
    static var url: String? { ProcessInfo.processInfo.environment["QWEN_CHAT_TEST_QWEN3DEMO_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var log: String? { ProcessInfo.processInfo.environment["QWEN_CHAT_TEST_QWEN3DEMO_LOG"] }
    static var enabled: Bool { Server.required || url != nil }
    static func requireURL() throws -> String? {
        if let url { return url }
        if Server.required { throw TestSetupFailure("QWEN_CHAT_TEST_QWEN3DEMO_URL is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1: scripts/test starts it") }
        return nil
    }
    /// The app's log line for the join whose query is `query`.
    static func request(_ query: String) throws -> JSONValue? {
        guard let log else { return nil }
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        return try lines.map { try JSONValue.parse(String($0)) }.last { $0["query"]?.stringValue == query }
    }
    /// The last token a slow reply to `query` got to on the server (harness/scripted_model.py
    /// logs every fifth), nil before the first.
    static func progress(_ query: String) throws -> Int? {
        guard let log, let text = try? String(contentsOfFile: log + ".progress", encoding: .utf8) else { return nil }
        return try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
            .filter { $0["query"]?.stringValue == query }.compactMap { $0["token"]?.intValue }.max()
    }
    static let models = ["qwen3-235b-a22b", "qwen3-32b", "qwen3-30b-a3b", "qwen3-14b", "qwen3-8b", "qwen3-4b", "qwen3-1.7b", "qwen3-0.6b"]
    static let system = "You are a helpful and harmless assistant."
}

@Suite("Qwen/Qwen3-Demo's layout from its URL alone", .enabled(if: Qwen3Demo.enabled), .timeLimit(.minutes(2)))
struct Qwen3DemoIntegrationTests {
    @Test("--describe: the Sender, the settings form's members and its eight models")
    func describe() async throws {
        guard let url = try Qwen3Demo.requireURL(), let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, ["--url", url, "--describe"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText.contains("endpoint: /add_message (fn_index 13, chatbot); reply from output 5 (modelscopeprochatbot)"), "\(result.stdoutText)")
        #expect(result.stdoutText.contains("0 antdxsender (input_value): the message"), "\(result.stdoutText)")
        #expect(result.stdoutText.contains("model: the model (--model), default qwen3-235b-a22b; choices: " + Qwen3Demo.models.joined(separator: " ")), "\(result.stdoutText)")
        #expect(result.stdoutText.contains("sys_prompt: the system prompt (--system)"), "\(result.stdoutText)")
    }

    @Test("one turn: the answer exactly on stdout; the app gets the system prompt and model given, or its own")
    func oneTurn() async throws {
        guard let url = try Qwen3Demo.requireURL(), let binary = try Binary.require() else { return }
        let message = "hello \(uniqueTag())"
        let own = try await runBinary(binary, ["--url", url, message])
        #expect(own.status == 0, "stderr: \(own.stderrText)")
        #expect(own.stdoutText == "Echo from qwen3-235b-a22b: you said «\(message)». System: \(Qwen3Demo.system)\n")
        #expect(own.notes.isEmpty, "stderr: \(own.stderrText)")
        let logged = try Qwen3Demo.request(message)
        #expect(logged?["model"]?.stringValue == "qwen3-235b-a22b")
        #expect(logged?["thinking_budget"]?.intValue == 38)

        let chosen = "sized \(uniqueTag())"
        let given = try await runBinary(binary, ["--url", url, "--model", "QWEN3-8B", "--system", "Be brief.", chosen])
        #expect(given.status == 0, "stderr: \(given.stderrText)")
        #expect(given.stdoutText == "Echo from qwen3-8b: you said «\(chosen)». System: Be brief.\n")
        #expect(try Qwen3Demo.request(chosen)?["system"]?.stringValue == "Be brief.")

        let bad = try await runBinary(binary, ["--url", url, "--model", "72B", "hi"])
        #expect(bad.status == 2)
        #expect(bad.stderrText.contains("choose one of " + Qwen3Demo.models.joined(separator: " ")), "stderr: \(bad.stderrText)")
    }

    @Test("Ctrl-C during a slow reply: exit 130 with the partial answer, and the Space stops generating")
    func cancel() async throws {
        guard let url = try Qwen3Demo.requireURL(), let binary = try Binary.require() else { return }
        let message = "TRIGGER_SLOW \(uniqueTag())"
        let run = try BinaryRun(binary, ["--url", url, message])
        guard await run.wait(upTo: .seconds(30), until: { !run.stdoutSoFar.isEmpty }) else {
            kill(run.pid, SIGKILL)
            _ = try? await run.finish(timeout: .seconds(5))
            Issue.record("no answer within 30 s")
            return
        }
        kill(run.pid, SIGINT)
        let result = try await run.finish(timeout: .seconds(10))
        #expect(result.status == 130, "stderr: \(result.stderrText)")
        let partial = String(result.stdoutText.dropLast())
        #expect(!partial.isEmpty && Scripted.slow.hasPrefix(partial), "\(result.stdoutText.debugDescription)")
        // 0.1 s a token: a generator still running logs again within half a second.
        try await Task.sleep(for: .seconds(1))
        let stopped = try Qwen3Demo.progress(message)
        try await Task.sleep(for: .seconds(1.5))
        #expect(stopped != nil)
        #expect(try Qwen3Demo.progress(message) == stopped, "the Space went on generating after the cancel")
        #expect((stopped ?? .max) < 290)
    }

    @Test("context: each turn a fresh session, or with earlier turns the session of the one before (the Space keeps the conversation)")
    func conversationInSession() async throws {
        guard let url = try Qwen3Demo.requireURL() else { return }
        let service = ChatService(target: .init(client: makeClient(url), hub: nil, tokenSent: false), retry: .none)
        func turn(_ message: String, after history: [ChatExchange] = [], thinking: ThinkingRequest = ThinkingRequest()) async throws -> ChatExchange {
            let reply = Mutex("")
            let end = await service.run(userTurn: message, systemPrompt: "Be brief.", modelSize: "qwen3-8b", history: history, thinking: thinking) { event in
                if case .text(.delta(let piece)) = event { reply.withLock { $0 += piece } }
            }
            if case .replyFinished(let error?) = end { Issue.record("\(error.message)") }
            return ChatExchange(user: message, reply: reply.withLock { $0 })
        }
        func heard(_ message: String) throws -> [String] {
            try Qwen3Demo.request(message)?["history"]?.arrayValue?.compactMap { $0["content"]?.stringValue } ?? ["not logged"]
        }
        let first = try await turn("first \(uniqueTag())")
        #expect(try heard(first.user) == [])
        let second = try await turn("second \(uniqueTag())", after: [first])
        #expect(try heard(second.user) == [first.user, first.reply], "the Space's session did not hold the first turn")
        let third = try await turn("third \(uniqueTag())", after: [first, second])
        #expect(try heard(third.user) == [first.user, first.reply, second.user, second.reply])
        // After /clear (no earlier turns): a new session.
        let fresh = try await turn("fresh \(uniqueTag())")
        #expect(try heard(fresh.user) == [])
        // A turn whose last earlier turn is not the session's last (/retry, /load): a new one too,
        // not a session that already holds the turn being retried.
        let retried = try await turn("retried \(uniqueTag())", after: [first])
        #expect(try heard(retried.user) == [])

        // The thinking switch flips a kept session once, then stays as left.
        let off = try await turn("off \(uniqueTag())", thinking: ThinkingRequest(on: false))
        #expect(try Qwen3Demo.request(off.user)?["thinking"]?.boolValue == false)
        let stillOff = try await turn("still off \(uniqueTag())", after: [off], thinking: ThinkingRequest(on: false))
        #expect(try Qwen3Demo.request(stillOff.user)?["thinking"]?.boolValue == false)
        let left = try await turn("left \(uniqueTag())", after: [off, stillOff])
        #expect(try Qwen3Demo.request(left.user)?["thinking"]?.boolValue == false)
        let on = try await turn("on \(uniqueTag())", after: [off, stillOff, left], thinking: ThinkingRequest(on: true))
        #expect(try Qwen3Demo.request(on.user)?["thinking"]?.boolValue == true)
    }

    @Test("--json carries the reasoning (the tool parts) apart from the answer")
    func reasoning() async throws {
        guard let url = try Qwen3Demo.requireURL(), let binary = try Binary.require() else { return }
        let message = "think \(uniqueTag())"
        let result = try await runBinary(binary, ["--url", url, "--json", message])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let events = try NDJSON(result.stdoutText)
        #expect(events.joined("thinking") == "Let me think about «\(message)». The system prompt is «\(Qwen3Demo.system)».")
        #expect(events.joined("delta") == "Echo from qwen3-235b-a22b: you said «\(message)». System: \(Qwen3Demo.system)")
    }
}
