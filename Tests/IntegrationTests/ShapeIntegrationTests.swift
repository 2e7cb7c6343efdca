import Foundation
import GradioClient
import TestSupport
import Testing

/// The servers of harness/shapes/app.py: one per Gradio line, each app under its own path.
enum ShapesServer: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case gradio4, gradio5, gradio6

    var testDescription: String { rawValue }
    var envPrefix: String { "QWEN_CHAT_TEST_SHAPES\(rawValue.last!)" }

    private static func env(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    var url: String? { Self.env(envPrefix + "_URL") }
    var logPath: String? { Self.env(envPrefix + "_LOG") }
    static var enabled: Bool { Server.required || allCases.contains { $0.url != nil } }

    func requireURL() throws -> String? {
        if let url { return url }
        if Server.required {
            throw TestSetupFailure("\(envPrefix)_URL is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1: start the servers with scripts/test (or scripts/harness start shapes\(rawValue.last!))")
        }
        return nil
    }
}

/// An app of harness/shapes/app.py: its path, the endpoint discovery should find, the input
/// lines `--describe` should print, and the reply to "hello <tag>" with qwen-chat's defaults.
struct Shape: Sendable, CustomTestStringConvertible {
    var path: String
    var endpoint: @Sendable (ShapesServer) -> String
    var inputs: [String]
    var reply: @Sendable (String) -> String

    var testDescription: String { path }

    static let maxSystem = "You are a helpful assistant."

    /// How `--describe` says the history is filled: the chatbot's format on each Gradio line;
    /// a ChatInterface's state through the event that copies its chatbot (none on 4.x).
    static func historyFilling(server: ShapesServer, path: String) -> String {
        let format = server == .gradio6 ? "messages with content parts" : "messages"
        guard path == "/chatinterface" || path == "/multimodal" else { return "history, sent empty; with --context the earlier turns (\(format))" }
        return server == .gradio4 ? "history, sent empty (the server keeps it; no event sets it)"
            : "history, sent empty; with --context the earlier turns (\(format), set first through fn_index 3)"
    }

    static let all: [Shape] = [
        Shape(path: "/qwen", endpoint: { _ in "/model_chat (fn_index 0, chatbot); reply from output 1 (chatbot)" }, inputs: [
            #"  0 textbox "Input" (query): the message"#,
            #"  1 chatbot "qwen" (history): HISTORY"#,
            "  2 textbox (system): the system prompt (--system)",
            #"  3 radio "Model" (radio): the model (--model), default 72B; choices: 72B 32B 14B 7B 3B 1.5B 0.5B"#,
        ], reply: { Scripted.echo($0) }),
        Shape(path: "/chatinterface", endpoint: { server in
            server == .gradio6 ? "/interface_chat (fn_index 6, chat interface); reply from output 0 (json)"
                : server == .gradio5 ? "/chat (fn_index 6, chat interface); reply from output 0 (json)"
                : "/chat (fn_index 18, chat interface); reply from output 0 (textbox)"
        }, inputs: [
            "  1 state: HISTORY",
            #"  2 textbox "System prompt" (system): the system prompt (--system)"#,
            #"  3 dropdown "Model" (model): the model (--model), default 7B; choices: 72B 32B 14B 7B 3B 1.5B 0.5B"#,
        ], reply: { Scripted.echo($0, model: "7B") }),
        Shape(path: "/maxdemo", endpoint: { _ in "/max_chat (fn_index 0, chatbot); reply from output 1 (chatbot)" }, inputs: [
            #"  0 textbox "Input" (query): the message"#,
            #"  1 chatbot "Qwen-Max" (history): HISTORY"#,
            "  2 textbox (system): the system prompt (--system)",
        ], reply: { Scripted.echo($0, system: maxSystem) }),
        Shape(path: "/late", endpoint: { _ in "/respond (fn_index 2, chatbot); reply from output 0 (chatbot)" }, inputs: [
            #"  0 textbox "Message" (message): the message"#,
            #"  2 slider "Temperature" (temperature): default 0.7 (0 to 2, step 0.1)"#,
            #"  3 slider "Max tokens" (max_tokens): default 512 (1 to 4096, step 1)"#,
        ], reply: { Scripted.echo($0, system: "temperature=0.7", model: "14B") }),
        // An event inserted before the chat event: only the fn_index moves.
        Shape(path: "/late-extra", endpoint: { _ in "/respond (fn_index 3, chatbot); reply from output 0 (chatbot)" }, inputs: [
            #"  0 textbox "Message" (message): the message"#,
            #"  2 slider "Temperature" (temperature): default 0.7 (0 to 2, step 0.1)"#,
        ], reply: { Scripted.echo($0, system: "temperature=0.7", model: "14B") }),
        // gr.ChatInterface(multimodal=True): the message goes out as {text, files}.
        Shape(path: "/multimodal", endpoint: { server in
            server == .gradio6 ? "/multimodal_chat (fn_index 6, chat interface); reply from output 0 (json)"
                : server == .gradio5 ? "/chat (fn_index 6, chat interface); reply from output 0 (json)"
                : "/chat (fn_index 17, chat interface); reply from output 0 (textbox)"
        }, inputs: [
            "  1 state: HISTORY",
            #"  2 textbox "System prompt" (system): the system prompt (--system)"#,
        ], reply: { Scripted.echo($0, system: maxSystem, model: "7B") }),
    ]
}

@Suite(
    "Any Gradio chat Space from its URL: five app shapes on Gradio 4.44.1, 5.50 and 6.31",
    .enabled(if: ShapesServer.enabled, "set QWEN_CHAT_TEST_SHAPES{4,5,6}_URL and QWEN_CHAT_BINARY (scripts/test does) to run"),
    .timeLimit(.minutes(2))
)
struct ShapeIntegrationTests {
    private func setUp(_ server: ShapesServer) throws -> (binary: String, url: String)? {
        guard let url = try server.requireURL(), let binary = try Binary.require() else { return nil }
        return (binary, url)
    }

    @Test("qwen-chat --url URL \"hello\" prints the exact reply", arguments: ShapesServer.allCases, Shape.all)
    func oneShot(server: ShapesServer, shape: Shape) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let message = "hello \(uniqueTag())"
        let result = try await runBinary(binary, ["--url", url + shape.path, message])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == shape.reply(message) + "\n", "stdout: \(result.stdoutText.debugDescription)")
        #expect(result.notes.isEmpty, "stderr: \(result.stderrText)")
    }

    @Test("--describe names the version, the endpoint and how each input is filled", arguments: ShapesServer.allCases, Shape.all)
    func describe(server: ShapesServer, shape: Shape) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let result = try await runBinary(binary, ["--url", url + shape.path, "--describe"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        let version = switch server { case .gradio4: "4.44.1"; case .gradio5: "5.50.0"; case .gradio6: "6.31.0" }
        #expect(lines.first == "url: \(url + shape.path)")
        #expect(lines.contains { $0.hasPrefix("gradio: \(version), protocol sse_v3") }, "\(lines)")
        #expect(lines.contains("endpoint: " + shape.endpoint(server)), "\(lines)")
        for input in shape.inputs.map({ $0.replacing("HISTORY", with: Shape.historyFilling(server: server, path: shape.path)) }) {
            #expect(lines.contains(input), "missing \(input.debugDescription) in \(lines)")
        }
    }

    @Test("--system and --model reach the app's inputs", arguments: ShapesServer.allCases)
    func systemAndModel(server: ShapesServer) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        for path in ["/qwen", "/chatinterface"] {
            let message = "sized \(uniqueTag())"
            let result = try await runBinary(binary, ["--url", url + path, "--system", "Be brief.", "--model", "3b", message])
            #expect(result.status == 0, "stderr: \(result.stderrText)")
            #expect(result.stdoutText == Scripted.echo(message, system: "Be brief.", model: "3B") + "\n", "\(path): \(result.stdoutText.debugDescription)")
        }
    }

    @Test("--model outside the Space's choices, or on a Space without a model input, is a usage error", arguments: ShapesServer.allCases)
    func badModel(server: ShapesServer) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let unknown = try await runBinary(binary, ["--url", url + "/chatinterface", "--model", "Math-7B", "hi"])
        #expect(unknown.status == 2)
        #expect(unknown.stderrText == "qwen-chat: unknown model size 'Math-7B'; choose one of 72B 32B 14B 7B 3B 1.5B 0.5B\n")
        let none = try await runBinary(binary, ["--url", url + "/maxdemo", "--model", "7B", "hi"])
        #expect(none.status == 2)
        #expect(none.stderrText == "qwen-chat: this Space's chat endpoint has no model choice; leave out --model\n")
        #expect(unknown.stdout.isEmpty && none.stdout.isEmpty)
    }

    @Test("an app without a chat endpoint: one line, exit 1 (also for --describe)", arguments: ShapesServer.allCases)
    func noChatEndpoint(server: ShapesServer) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        for arguments in [["hi"], ["--describe"]] {
            let result = try await runBinary(binary, ["--url", url + "/nochat"] + arguments)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines.count == 1, "stderr: \(result.stderrText)")
            #expect(result.stderrText.hasPrefix("qwen-chat: found no chat endpoint"), "stderr: \(result.stderrText)")
        }
    }

    @Test("--api-name picks the endpoint; a wrong name is one line, exit 1", arguments: ShapesServer.allCases)
    func apiName(server: ShapesServer) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let message = "named \(uniqueTag())"
        let named = try await runBinary(binary, ["--url", url + "/late", "--api-name", "/respond", message])
        #expect(named.status == 0, "stderr: \(named.stderrText)")
        #expect(named.stdoutText == Scripted.echo(message, system: "temperature=0.7", model: "14B") + "\n")
        let wrong = try await runBinary(binary, ["--url", url + "/late", "--api-name", "nope", "hi"])
        #expect(wrong.status == 1)
        #expect(wrong.stderrText == "qwen-chat: the app has no endpoint 'nope'; its endpoints: shout, count, respond\n")
        let notChat = try await runBinary(binary, ["--url", url + "/late", "--api-name", "count", "hi"])
        #expect(notChat.status == 1)
        #expect(notChat.stderrLines.count == 1, "stderr: \(notChat.stderrText)")
    }
}

/// The Qwen2.5 replica: its model sizes come from the Space's radios.
@Suite("Discovery on the Qwen2.5 replica", .enabled(if: Server.enabled), .timeLimit(.minutes(2)))
struct ReplicaDiscoveryTests {
    @Test func describeAndModelChoices() async throws {
        guard let url = try Server.replica.requireURL(), let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, ["--url", url, "--describe"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == """
            url: \(url)
            gradio: 4.44.1, protocol sse_v3
            endpoint: /model_chat (fn_index 3, chatbot); reply from output 1 (modelscopechatbot)
            inputs:
              0 textbox "Input" (query): the message
              1 modelscopechatbot "72b" (history): history, sent empty; with --context the earlier turns (tuples)
              2 textbox (system): the system prompt (--system)
              3 radio (radio): the model (--model), default 72B; choices: 72B 32B 14B 7B 3B 1.5B 0.5B Math-72B Math-7B Math-1.5B Coder-7B Coder-1.5B

            """, "stdout: \(result.stdoutText)")
        let bad = try await runBinary(binary, ["--url", url, "--model", "99B", "hi"])
        #expect(bad.status == 2)
        #expect(bad.stderrText == "qwen-chat: unknown model size '99B'; choose one of 72B 32B 14B 7B 3B 1.5B 0.5B Math-72B Math-7B Math-1.5B Coder-7B Coder-1.5B\n")
    }
}
