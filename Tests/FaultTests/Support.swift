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

// Plumbing for the fault tests: the fault server (harness/fault_server.py) from
// QWEN_CHAT_TEST_FAULT_URL, a library-level runner with a short idle timeout and tiny retry
// delays, and a process runner for the binary (the pattern of Tests/IntegrationTests/Support.swift).

private func env(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
}

enum FaultServer {
    static var url: String? { env("QWEN_CHAT_TEST_FAULT_URL") }
    /// `QWEN_CHAT_REQUIRE_INTEGRATION=1`: a missing server or binary is a failure, not a skip.
    static var required: Bool { env("QWEN_CHAT_REQUIRE_INTEGRATION") == "1" }
    static var enabled: Bool { required || url != nil }

    /// The server's URL, nil (skip) when it is not set, or a failure when it is required.
    static func requireURL() throws -> String? {
        if let url { return url }
        if required {
            throw TestSetupFailure("QWEN_CHAT_TEST_FAULT_URL is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1: start harness/fault_server.py (scripts/test does) and export its URL")
        }
        return nil
    }

    /// The Authorization header of the last join whose message contained `tag`.
    static func authorization(_ url: String, tag: String) async throws -> String? {
        let transport = AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(5))
        let (head, body) = try await transport.perform(HTTPRequest(method: "GET", url: url + "/debug/auth?tag=" + tag))
        guard head.status == 200 else { throw TestSetupFailure("/debug/auth answered \(head.status)") }
        return try JSONValue.parse(body)["authorization"]?.stringValue
    }
}

/// What the fault server streams for an ordinary message.
func echo(_ message: String) -> String { "Echo: " + message }

/// FAULT_HUGE's reply, built exactly as harness/fault_server.py builds it.
func hugeReply(_ message: String) -> String {
    let unit = String(repeating: "0123456789abcdef", count: 4) + "\n"
    return "HUGE " + message + "\n" + String(repeating: unit, count: 10 * 1024 * 1024 / 65) + "END"
}

// MARK: - Library-level

struct LibraryRun: Sendable {
    var events: [JobEvent] = []
    var text = ""
    var finalText: String?
    var error: GradioError?
    var retries: Int { events.filter { if case .retrying = $0 { true } else { false } }.count }
    var warnings: [String] { events.compactMap { if case .warning(let w) = $0 { w } else { nil } } }
}

/// Three retries with the real backoff, on a clock that does not wait.
var fastRetry: RetryPolicy { RetryPolicy(maxRetries: 3, clock: ImmediateClock()) }

/// One `model_chat` turn through GradioClient + AsyncHTTPClientTransport. The idle timeout is
/// long enough that a loaded machine does not trip it where it is not the subject of the test.
/// GradioErrors land in `error`; the tracker's text at the end (or at the error) in `text`.
func libraryChat(_ url: String, _ message: String, retry: RetryPolicy = fastRetry, idleTimeout: Duration = .seconds(20)) async throws -> LibraryRun {
    let client = GradioClient(root: url, transport: AsyncHTTPClientTransport(proxy: nil, idleTimeout: idleTimeout))
    var run = LibraryRun()
    var tracker = ReplyTracker(outputIndex: QwenSpace.chatbotOutputIndex)
    do {
        let connection = try await client.connect(apiName: QwenSpace.apiName, retry: retry) { run.events.append($0) }
        let data = QwenSpace.requestData(userTurn: message, systemPrompt: QwenSpace.defaultSystemPrompt, modelSize: "72B")
        try await client.submit(connection, data: data, sessionHash: GradioClient.makeSessionHash(), retry: retry) { event, outputs in
            run.events.append(event)
            switch event {
            case .generating(let edits):
                _ = tracker.update(outputs: outputs, edits: edits)
            case .completed:
                run.finalText = ChatbotValue.latestReply(in: outputs[QwenSpace.chatbotOutputIndex])?.text
                _ = tracker.finish(outputs: outputs)
            default:
                break
            }
        }
    } catch let error as GradioError {
        run.error = error
    }
    run.text = tracker.text
    return run
}

/// The usual one-shot arguments against the fault server: short idle timeout, two retries.
func oneShot(_ url: String, _ message: String, _ extra: [String] = []) -> [String] {
    ["--url", url, "--idle-timeout", "5", "--retries", "2"] + extra + [message]
}
