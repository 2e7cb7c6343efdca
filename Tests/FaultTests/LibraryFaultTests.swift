import ChatCore
import Foundation
import GradioClient
import TestSupport
import Testing

// Each fault of harness/fault_server.py through GradioClient + AsyncHTTPClientTransport with a
// 20 s idle timeout (5 s where the timeout is the subject) and RetryPolicy(maxRetries: 3) on a
// clock that does not wait.
@Suite("Faults through the library", .enabled(if: FaultServer.enabled, "set QWEN_CHAT_TEST_FAULT_URL (scripts/test does) to run"))
struct LibraryFaultTests {
    @Test("Dropped connection mid-stream: .streamEnded, partial kept")
    func drop() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_DROP \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error?.code == .streamEnded, "\(String(describing: run.error))")
        #expect(!run.text.isEmpty && echo(message).hasPrefix(run.text), "partial: \(run.text)")
        #expect(run.retries == 0)
    }

    @Test("No bytes at all: .idleTimeout")
    func stall() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_STALL \(uniqueTag())"
        let run = try await libraryChat(url, message, idleTimeout: .seconds(5))
        #expect(run.error?.code == .idleTimeout, "\(String(describing: run.error))")
        #expect(!run.text.isEmpty && echo(message).hasPrefix(run.text))
    }

    @Test("Heartbeats for longer than the idle timeout keep the stream alive")
    func heartbeats() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_HEARTBEATS \(uniqueTag())"
        // Heartbeats every second for 12 s: more than this idle timeout.
        let run = try await libraryChat(url, message, idleTimeout: .seconds(8))
        #expect(run.error == nil, "\(String(describing: run.error))")
        #expect(run.finalText == echo(message))
        #expect(run.text == echo(message))
    }

    @Test("A malformed event: one warning and the full reply")
    func malformed() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_MALFORMED \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error == nil, "\(String(describing: run.error))")
        #expect(run.warnings.count == 1, "\(run.warnings)")
        #expect(run.text == echo(message))
    }

    @Test("One 10 MB event: the exact text")
    func huge() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_HUGE \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error == nil, "\(String(describing: run.error))")
        let expected = hugeReply(message)
        #expect(run.finalText == expected)
        #expect(run.text == expected)
    }

    @Test("Body ends without process_completed: .streamEnded")
    func noCompletion() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_NO_COMPLETION \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error?.code == .streamEnded, "\(String(describing: run.error))")
        #expect(!run.text.isEmpty && echo(message).hasPrefix(run.text))
    }

    @Test("A multi-byte character cut at EOF: .streamEnded, valid partial text")
    func cutUTF8() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let run = try await libraryChat(url, "FAULT_CUT_UTF8 \(uniqueTag())")
        #expect(run.error?.code == .streamEnded, "\(String(describing: run.error))")
        #expect(run.text == "Echo: 你好世界 ")
        #expect(!run.text.unicodeScalars.contains("\u{FFFD}"))
    }

    @Test("Queue full on every join: .queueFull after the retries")
    func queueFull() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let run = try await libraryChat(url, "FAULT_QUEUE_FULL \(uniqueTag())")
        #expect(run.error?.code == .queueFull, "\(String(describing: run.error))")
        #expect(run.retries == 3)
    }

    @Test("Queue full twice, then a reply")
    func queueFullThenOK() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_QUEUE_FULL_THEN_OK_2 \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error == nil, "\(String(describing: run.error))")
        #expect(run.retries == 2)
        #expect(run.text == echo(message))
    }

    @Test("Space asleep (HTML 503): .spaceDown after the retries")
    func asleep() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let run = try await libraryChat(url, "FAULT_ASLEEP \(uniqueTag())")
        #expect(run.error?.code == .spaceDown, "\(String(describing: run.error))")
        #expect(run.retries == 3)
    }

    @Test("Space asleep once, then a reply")
    func asleepThenOK() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_ASLEEP_THEN_OK_1 \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error == nil, "\(String(describing: run.error))")
        #expect(run.retries == 1)
        #expect(run.text == echo(message))
    }

    @Test("429: .rateLimited")
    func rateLimited() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let run = try await libraryChat(url, "FAULT_429 \(uniqueTag())")
        #expect(run.error?.code == .rateLimited, "\(String(describing: run.error))")
        #expect(run.retries == 3)
    }

    @Test("500 text: .badResponse, no retries")
    func internalError() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let run = try await libraryChat(url, "FAULT_500 \(uniqueTag())")
        #expect(run.error?.code == .badResponse, "\(String(describing: run.error))")
        #expect(run.retries == 0)
    }

    @Test("Session lost on every stream: .sessionNotFound after one re-join")
    func sessionLost() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let run = try await libraryChat(url, "FAULT_SESSION_LOST \(uniqueTag())")
        #expect(run.error?.code == .sessionNotFound, "\(String(describing: run.error))")
        let joins = run.events.filter { if case .joined = $0 { true } else { false } }.count
        #expect(joins == 2)
        #expect(run.warnings.count == 1)
    }

    @Test("Session lost once: the re-join succeeds")
    func sessionLostOnce() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_SESSION_LOST_ONCE \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error == nil, "\(String(describing: run.error))")
        #expect(run.text == echo(message))
    }

    @Test("A stream left open after the reply is closed by the client")
    func linger() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let tag = uniqueTag()
        let message = "FAULT_LINGER \(tag)"
        // One long-lived transport, as the REPL keeps: the stream must end with the reply, not
        // with the transport.
        let transport = AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(20))
        let client = GradioClient(root: url, transport: transport)
        let connection = try await client.connect(apiName: QwenSpace.apiName, retry: fastRetry) { _ in }
        let data = QwenSpace.requestData(userTurn: message, systemPrompt: QwenSpace.defaultSystemPrompt, modelSize: "72B")
        var completed = false
        try await client.submit(connection, data: data, sessionHash: GradioClient.makeSessionHash(), retry: fastRetry) { event, _ in
            if event == .completed { completed = true }
        }
        #expect(completed)
        var open = -1
        for _ in 0..<50 {
            let (_, body) = try await transport.perform(HTTPRequest(method: "GET", url: url + "/debug/open-streams?tag=" + tag))
            open = try JSONValue.parse(body)["open"]?.intValue ?? -1
            if open == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(open == 0, "the data stream is still open on the server")
        withExtendedLifetime(transport) {}
    }

    @Test("A stream trickling one byte per 50 ms: the exact reply")
    func trickle() async throws {
        guard let url = try FaultServer.requireURL() else { return }
        let message = "FAULT_TRICKLE \(uniqueTag())"
        let run = try await libraryChat(url, message)
        #expect(run.error == nil, "\(String(describing: run.error))")
        #expect(run.finalText == echo(message))
        #expect(run.text == echo(message))
    }
}
