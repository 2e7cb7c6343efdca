import ChatCore
import Foundation
import GradioClient
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Shared plumbing for the integration tests: which servers to talk to (from the environment that
// scripts/test exports), the expected replies of harness/scripted_model.py, a library-level chat
// runner and a process runner for the binary.

/// The local Gradio servers started by `scripts/harness`.
enum Server: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case replica, gradio5, gradio6

    var testDescription: String { rawValue }

    var envPrefix: String {
        switch self {
        case .replica: "QWEN_CHAT_TEST_REPLICA"
        case .gradio5: "QWEN_CHAT_TEST_GRADIO5"
        case .gradio6: "QWEN_CHAT_TEST_GRADIO6"
        }
    }

    private static func env(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    var url: String? { Self.env(envPrefix + "_URL") }
    var logPath: String? { Self.env(envPrefix + "_LOG") }

    /// `QWEN_CHAT_REQUIRE_INTEGRATION=1`: a missing server is a failure, not a skip.
    static var required: Bool { env("QWEN_CHAT_REQUIRE_INTEGRATION") == "1" }
    /// Run the suites when required or when at least one server is given.
    static var enabled: Bool { required || allCases.contains { $0.url != nil } }

    /// The server's URL. When it is missing: throws a clear failure if the integration tests are
    /// required, otherwise returns nil and the caller returns (the argument is skipped).
    func requireURL() throws -> String? {
        if let url { return url }
        if Self.required {
            throw TestSetupFailure("\(envPrefix)_URL is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1: start the servers with scripts/test (or scripts/harness start \(rawValue)) and export it")
        }
        return nil
    }

    /// The request log the server writes (`--log`); missing is a failure when required.
    func requireLog() throws -> String? {
        if let logPath { return logPath }
        if Self.required {
            throw TestSetupFailure("\(envPrefix)_LOG is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1")
        }
        return nil
    }
}

// MARK: - What harness/scripted_model.py says

enum Scripted {
    static let defaultSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

    /// The default reply: `Echo from qwen2.5-{size}: you said «{query}». System: {system}`.
    static func echo(_ query: String, system: String = defaultSystem, model: String = "72B") -> String {
        "Echo from qwen2.5-\(model): you said \u{AB}\(query)\u{BB}. System: \(system)"
    }

    /// UNICODE_REPLY, spelt out scalar by scalar where it matters (ZWJ sequences, a skin tone,
    /// a variation selector, a flag and a combining acute).
    static let unicode =
        "\u{4F60}\u{597D}\u{FF0C}\u{4E16}\u{754C}\u{FF01}\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{6D4B}\u{8BD5}\u{3002}\n"
        + "Emoji: \u{1F44D}\u{1F3FD} \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466} "
        + "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308} \u{1F1EF}\u{1F1F5} \u{2728}\n"
        + "ha ha ha ha ha ha ha ha\n"
        + "... ... ... wait...\n"
        + "Cafe\u{0301} \u{65E5}\u{672C}\u{8A9E} \u{30C6}\u{30AD}\u{30B9}\u{30C8} \u{D55C}\u{AD6D}\u{C5B4} \u{2713}"

    /// INDENT_REPLY; cleandoc leaves the finished text as it is.
    static let indent = "Steps:\n    one\n    two\nDone."
    /// LEADING_BLANK_REPLY after cleandoc: the two leading blank lines are gone.
    static let leadingBlank = "    Leading blank lines.\n    Indented too.\nFlush left."
    static let inject =
        "Normal start. Clear:\u{1B}[2J Title:\u{1B}]0;pwned\u{07} Clipboard:\u{1B}]52;c;cHduZWQ=\u{07} "
        + "C1 CSI:\u{9B}31m red? Bare CR:\rOVERWRITE DEL:\u{7F} Normal end."
    /// Characters per streamed token, and how many tokens the mid-stream error lets through.
    static let tokenChars = 3
    static let midstreamErrorAfter = 14

    /// The text of `TRIGGER_SLOW`: "slow0 slow1 … slow299".
    static let slow = (0..<300).map { "slow\($0)" }.joined(separator: " ")
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

// MARK: - Library-level chat

/// Everything one `model_chat` job produced, as the library reports it.
struct ChatRun: Sendable {
    var events: [JobEvent] = []
    var updates: [TextUpdate] = []
    /// The reply rebuilt from the updates alone: deltas appended, revisions replacing it.
    var rebuilt = ""
    /// What `StableTextWriter` handed out for writing, plus its `finish`.
    var written = ""
    var writerConflicts = 0
    /// The tracker's text at the end (or when the error was thrown).
    var trackerText = ""
    /// The reply text of the completed value, if the job completed.
    var finalText: String?
    var generatingCount = 0
    /// Index in `events` of the first event that delivered a delta, and of `.completed`.
    var firstDeltaEventIndex: Int?
    var completedEventIndex: Int?
    var error: GradioError?
}

func makeClient(_ url: String) -> GradioClient {
    GradioClient(root: url, transport: AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(30)))
}

/// Connects to `model_chat` and runs one turn through `ReplyTracker` and `StableTextWriter`.
/// GradioErrors end up in `ChatRun.error`; anything else is rethrown.
func chat(
    _ url: String,
    _ query: String,
    system: String = Scripted.defaultSystem,
    model: String = "72B",
    transport: (any HTTPTransport)? = nil,
    onUpdate: @Sendable (TextUpdate) -> Void = { _ in }
) async throws -> ChatRun {
    let client = transport.map { GradioClient(root: url, transport: $0) } ?? makeClient(url)
    let connection = try await client.connect(apiName: QwenSpace.apiName)
    var run = ChatRun()
    var tracker = ReplyTracker(outputIndex: QwenSpace.chatbotOutputIndex)
    var writer = StableTextWriter()
    let data = QwenSpace.requestData(userTurn: query, systemPrompt: system, modelSize: model)
    do {
        try await client.submit(connection, data: data, sessionHash: GradioClient.makeSessionHash()) { event, outputs in
            run.events.append(event)
            var update: TextUpdate?
            switch event {
            case .generating(let edits):
                run.generatingCount += 1
                update = tracker.update(outputs: outputs, edits: edits)
            case .completed:
                run.completedEventIndex = run.events.count - 1
                run.finalText = outputs.indices.contains(QwenSpace.chatbotOutputIndex)
                    ? ChatbotValue.latestReply(in: outputs[QwenSpace.chatbotOutputIndex])?.text : nil
                update = tracker.finish(outputs: outputs)
            default:
                break
            }
            guard let update else { return }
            run.updates.append(update)
            switch update {
            case .delta(let piece):
                if run.firstDeltaEventIndex == nil { run.firstDeltaEventIndex = run.events.count - 1 }
                run.rebuilt += piece
            case .revised(let full):
                run.rebuilt = full
            }
            run.written += writer.apply(update)
            onUpdate(update)
        }
    } catch let error as GradioError {
        run.error = error
    }
    run.trackerText = tracker.text
    if run.error == nil {
        run.written += writer.finish(finalText: tracker.text)
    }
    run.writerConflicts = writer.conflicts
    return run
}

// MARK: - Request log

/// The request the model logged for the query containing `tag` (waits briefly for the line).
func loggedRequest(in path: String, containing tag: String) async throws -> JSONValue? {
    for _ in 0..<50 {
        if let data = FileManager.default.contents(atPath: path) {
            for line in data.split(separator: 0x0A) where !line.isEmpty {
                let value = try JSONValue.parse(Array(line))
                if value["query"]?.stringValue?.contains(tag) == true { return value }
            }
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    return nil
}

// MARK: - Free port

/// A TCP port on 127.0.0.1 that nothing listens on (bound, read and closed again).
func unusedPort() throws -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw TestSetupFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw TestSetupFailure("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
