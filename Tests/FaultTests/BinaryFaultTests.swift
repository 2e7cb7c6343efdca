import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Each fault through the real binary, one-shot: `qwen-chat --url FAULT --idle-timeout 5
// --retries 2 MESSAGE`. Errors: exit 1, exactly one line on stderr naming the problem (after any
// "busy, retrying" lines), the partial reply kept on stdout.
@Suite("Faults through the binary", .enabled(if: FaultServer.enabled, "set QWEN_CHAT_TEST_FAULT_URL and QWEN_CHAT_BINARY (scripts/test does) to run"))
struct BinaryFaultTests {
    /// Runs one message; nil when the server or binary is not configured (skip).
    private func run(_ message: String, _ extra: [String] = []) async throws -> ProcessResult? {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return nil }
        return try await runBinary(binary, oneShot(url, message, extra))
    }

    private func expectOneError(_ result: ProcessResult, containing words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "exit \(result.status); stderr: \(result.stderrText)", sourceLocation: sourceLocation)
        #expect(result.errorLines.count == 1, "stderr: \(result.stderrText)", sourceLocation: sourceLocation)
        let line = result.errorLines.first.map(String.init) ?? ""
        #expect(line.hasPrefix("qwen-chat: "), "\(line)", sourceLocation: sourceLocation)
        #expect(words.contains { line.localizedCaseInsensitiveContains($0) }, "stderr line does not name the problem (\(words)): \(line)", sourceLocation: sourceLocation)
    }

    /// The partial reply on stdout: a non-empty prefix of the full one, ended with a newline.
    private func expectPartial(_ result: ProcessResult, of full: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = result.stdoutText
        #expect(text.hasSuffix("\n"), "stdout: \(text.debugDescription)", sourceLocation: sourceLocation)
        let body = String(text.dropLast())
        #expect(!body.isEmpty && full.hasPrefix(body), "stdout: \(text.debugDescription)", sourceLocation: sourceLocation)
    }

    @Test("drop: exit 1, one line, partial reply kept")
    func drop() async throws {
        let message = "FAULT_DROP \(uniqueTag())"
        guard let result = try await run(message) else { return }
        expectOneError(result, containing: ["dropped", "closed the stream"])
        expectPartial(result, of: echo(message))
    }

    @Test("stall: exit 1 naming the idle timeout")
    func stall() async throws {
        let message = "FAULT_STALL \(uniqueTag())"
        guard let result = try await run(message) else { return }
        expectOneError(result, containing: ["no data", "for 5 s"])
        expectPartial(result, of: echo(message))
    }

    @Test("heartbeats only for longer than the idle timeout: exit 0, exact reply")
    func heartbeats() async throws {
        let message = "FAULT_HEARTBEATS \(uniqueTag())"
        guard let result = try await run(message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
        #expect(result.stderrText.isEmpty)
    }

    @Test("malformed event: exit 0, exact reply, one warning line")
    func malformed() async throws {
        let message = "FAULT_MALFORMED \(uniqueTag())"
        guard let result = try await run(message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
        #expect(result.stderrLines.count == 1 && result.stderrText.contains("malformed"), "\(result.stderrText)")
    }

    @Test("10 MB event: exit 0, exact text")
    func huge() async throws {
        let message = "FAULT_HUGE \(uniqueTag())"
        // The fault is the size, not silence: a loaded machine may take seconds to send 10 MB.
        guard let result = try await run(message, ["--idle-timeout", "60"]) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdout.count == hugeReply(message).utf8.count + 1)
        #expect(result.stdoutText == hugeReply(message) + "\n")
    }

    @Test("no completion: exit 1, partial reply kept")
    func noCompletion() async throws {
        let message = "FAULT_NO_COMPLETION \(uniqueTag())"
        guard let result = try await run(message) else { return }
        expectOneError(result, containing: ["closed the stream", "before the reply was complete"])
        expectPartial(result, of: echo(message))
    }

    @Test("UTF-8 cut at EOF: exit 1, valid UTF-8 partial")
    func cutUTF8() async throws {
        guard let result = try await run("FAULT_CUT_UTF8 \(uniqueTag())") else { return }
        expectOneError(result, containing: ["closed the stream", "before the reply was complete"])
        #expect(String(validating: result.stdout, as: UTF8.self) != nil, "stdout is not valid UTF-8")
        #expect(result.stdoutText.hasPrefix("Echo: 你好世界"), "\(result.stdoutText.debugDescription)")
        #expect(!result.stdoutText.contains("\u{FFFD}"))
    }

    @Test("queue full: 'busy, retrying' lines, then exit 1 naming the full queue")
    func queueFull() async throws {
        guard let result = try await run("FAULT_QUEUE_FULL \(uniqueTag())") else { return }
        let retries = result.stderrLines.filter { $0.hasPrefix("qwen-chat: busy, retrying") }
        #expect(retries.count == 2, "\(result.stderrText)")
        #expect(result.stderrLines.last?.contains("queue is full") == true, "\(result.stderrText)")
        expectOneError(result, containing: ["queue is full"])
        #expect(result.stdout.isEmpty)
    }

    @Test("queue full twice, then OK: each retry shown, then the queue position, exit 0 with --retries 2")
    func queueFullThenOK() async throws {
        let message = "FAULT_QUEUE_FULL_THEN_OK_2 \(uniqueTag())"
        guard let result = try await run(message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
        let retries = result.stderrLines.filter { $0.hasPrefix("qwen-chat: busy, retrying") }
        #expect(retries.count == 2)
        #expect(retries.first?.contains("(attempt 1 of 2): the Space's queue is full") == true, "\(result.stderrText)")
        // Once joined, the job waits third, then second, of four (harness/fault_server.py).
        #expect(result.stderrLines.contains { $0.hasPrefix("qwen-chat: queued: 3 of 4") }, "\(result.stderrText)")
        #expect(result.stderrLines.contains { $0.hasPrefix("qwen-chat: queued: 2 of 4") }, "\(result.stderrText)")
    }

    @Test("ZeroGPU quota: one line, no HTML, the wait in words, the HF_TOKEN hint without a token, exit 1; titled or not")
    func zeroGPUQuota() async throws {
        let words = "You have exceeded your free ZeroGPU quota (60s requested vs. 43s left). Try again in 3 min 27 s. Subscribe to Pro (https://huggingface.co/subscribe/pro?from=ZeroGPU) to get 25 min of ZeroGPU quota a day"
        for fault in ["FAULT_ZEROGPU_QUOTA", "FAULT_ZEROGPU_QUOTA_UNTITLED"] {
            guard let result = try await run("\(fault) \(uniqueTag())") else { return }
            #expect(result.status == 1, "stderr: \(result.stderrText)")
            #expect(result.errorLines == ["qwen-chat: the Space's ZeroGPU quota is used up: \(words); set HF_TOKEN to a Hugging Face token for a larger ZeroGPU quota"], "\(result.stderrText)")
            #expect(!result.stderrText.contains("<") && !result.stderrText.contains("0:03:27"))
            guard let signedIn = try await run("\(fault) \(uniqueTag())", ["--token", "hf_x"]) else { return }
            #expect(signedIn.status == 1)
            #expect(signedIn.errorLines == ["qwen-chat: the Space's ZeroGPU quota is used up: \(words)"], "\(signedIn.stderrText)")
        }
    }

    @Test("asleep: exit 1 naming a down Space")
    func asleep() async throws {
        guard let result = try await run("FAULT_ASLEEP \(uniqueTag())") else { return }
        expectOneError(result, containing: ["down, asleep", "web page"])
        #expect(!result.stderrText.contains("<html"), "the HTML page leaked to stderr")
    }

    @Test("asleep once, then OK")
    func asleepThenOK() async throws {
        let message = "FAULT_ASLEEP_THEN_OK_1 \(uniqueTag())"
        guard let result = try await run(message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
    }

    @Test("429: exit 1 naming rate limiting")
    func rateLimited() async throws {
        guard let result = try await run("FAULT_429 \(uniqueTag())") else { return }
        expectOneError(result, containing: ["rate-limiting", "429"])
    }

    @Test("500: exit 1 naming HTTP 500, no retries")
    func internalError() async throws {
        guard let result = try await run("FAULT_500 \(uniqueTag())") else { return }
        expectOneError(result, containing: ["HTTP 500"])
        #expect(!result.stderrText.contains("busy, retrying"))
    }

    @Test("session lost: exit 1 naming the lost session, after one re-join")
    func sessionLost() async throws {
        guard let result = try await run("FAULT_SESSION_LOST \(uniqueTag())") else { return }
        #expect(result.status == 1)
        // The re-join warning, then the error.
        #expect(result.stderrLines.count == 2, "\(result.stderrText)")
        #expect(result.stderrLines.first?.contains("joining again") == true, "\(result.stderrText)")
        #expect(result.stderrLines.last?.contains("lost this session") == true, "\(result.stderrText)")
    }

    @Test("session lost once: exit 0, exact reply")
    func sessionLostOnce() async throws {
        let message = "FAULT_SESSION_LOST_ONCE \(uniqueTag())"
        guard let result = try await run(message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
    }

    @Test("trickle: exit 0, exact reply")
    func trickle() async throws {
        let message = "FAULT_TRICKLE \(uniqueTag())"
        guard let result = try await run(message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
    }

    @Test("Ctrl-C while waiting between retries: exit 130 promptly")
    func interruptDuringRetryWait() async throws {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return }
        let process = try BinaryRun(binary, ["--url", url, "--idle-timeout", "5", "--retries", "10", "FAULT_QUEUE_FULL \(uniqueTag())"])
        let waiting = await process.wait(upTo: .seconds(20)) { process.stderrSoFar.contains("busy, retrying") }
        #expect(waiting, "no retry line: \(process.stderrSoFar)")
        try await Task.sleep(for: .milliseconds(200))
        kill(process.pid, SIGINT)
        let result = try await process.finish(timeout: .seconds(10))
        // finish(timeout:) above fails the test if the wait between retries did not stop.
        #expect(result.status == 130, "stderr: \(result.stderrText)")
    }
}
