import ChatCore
import Foundation
import GradioClient
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Plumbing for the fault tests: the fault server (harness/fault_server.py) from
// QWEN_CHAT_TEST_FAULT_URL, a library-level runner with a short idle timeout and tiny retry
// delays, and a process runner for the binary (the pattern of Tests/IntegrationTests/Support.swift).

struct FaultFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

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
            throw FaultFailure("QWEN_CHAT_TEST_FAULT_URL is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1: start harness/fault_server.py (scripts/test does) and export its URL")
        }
        return nil
    }

    /// The Authorization header of the last join whose message contained `tag`.
    static func authorization(_ url: String, tag: String) async throws -> String? {
        let transport = AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(5))
        let (head, body) = try await transport.perform(HTTPRequest(method: "GET", url: url + "/debug/auth?tag=" + tag))
        guard head.status == 200 else { throw FaultFailure("/debug/auth answered \(head.status)") }
        return try JSONValue.parse(body)["authorization"]?.stringValue
    }
}

/// A marker that makes a message unique: the server counts retries per message text.
func uniqueTag() -> String {
    "t" + String(UUID().uuidString.prefix(8)).lowercased()
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

let fastRetry = RetryPolicy(maxRetries: 3, baseDelay: 0.05, maxDelay: 0.2)

/// One `model_chat` turn through GradioClient + AsyncHTTPClientTransport (idle timeout 2 s).
/// GradioErrors land in `error`; the tracker's text at the end (or at the error) in `text`.
func libraryChat(_ url: String, _ message: String, retry: RetryPolicy = fastRetry, idleTimeout: Duration = .seconds(5)) async throws -> LibraryRun {
    let client = GradioClient(root: url, transport: AsyncHTTPClientTransport(proxy: nil, idleTimeout: idleTimeout))
    var run = LibraryRun()
    var tracker = ReplyTracker(outputIndex: QwenSpace.chatbotOutputIndex)
    do {
        let connection = try await client.connect(apiName: QwenSpace.apiName, fallback: nil, retry: retry) { run.events.append($0) }
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

// MARK: - The binary

enum Binary {
    static func require() throws -> String? {
        if let path = env("QWEN_CHAT_BINARY") {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw FaultFailure("QWEN_CHAT_BINARY=\(path) is not an executable file; build it first")
            }
            return path
        }
        if FaultServer.required { throw FaultFailure("QWEN_CHAT_BINARY is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1") }
        return nil
    }
}

struct ProcessResult: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    var stderrLines: [Substring] { stderrText.split(separator: "\n") }
    /// The stderr lines other than retry and queue notes.
    var errorLines: [Substring] {
        stderrLines.filter { !$0.hasPrefix("qwen-chat: busy, retrying") && !$0.hasPrefix("qwen-chat: queued: ") }
    }
}

/// Runs the binary with stdin from /dev/null, capturing both outputs.
final class BinaryRun: @unchecked Sendable {
    private let process = Process()
    private let outPipe = Pipe()
    private let errPipe = Pipe()
    private let state = Mutex<(out: [UInt8], err: [UInt8], outDone: Bool, errDone: Bool)>(([], [], false, false))

    init(_ binary: String, _ arguments: [String], environment extra: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "QWEN_CHAT_URL", "HF_TOKEN"] {
            environment[name] = nil
        }
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try Self.launch(process)
        let out = outPipe.fileHandleForReading
        let err = errPipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = out.availableData
                if chunk.isEmpty { break }
                state.withLock { $0.out += chunk }
            }
            state.withLock { $0.outDone = true }
        }
        Thread.detachNewThread { [self] in
            while true {
                let chunk = err.availableData
                if chunk.isEmpty { break }
                state.withLock { $0.err += chunk }
            }
            state.withLock { $0.errDone = true }
        }
    }

    /// Starts the child from a thread that lets SIGINT and SIGTERM through (Swift concurrency's
    /// threads block them, and a child inherits the mask).
    private static func launch(_ process: Process) throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
            let result = Result { try process.run() }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.start()
        done.wait()
        try outcome.withLock { $0! }.get()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stderrSoFar: String { String(decoding: state.withLock { $0.err }, as: UTF8.self) }

    func wait(upTo timeout: Duration, until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Waits for the exit and both outputs to close; kills the process on timeout.
    func finish(timeout: Duration = .seconds(60)) async throws -> ProcessResult {
        let done = await wait(upTo: timeout) {
            !process.isRunning && state.withLock { $0.outDone && $0.errDone }
        }
        if !done {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw FaultFailure("qwen-chat did not finish within \(timeout); stderr so far: \(stderrSoFar.prefix(300))")
        }
        process.waitUntilExit()
        return state.withLock { ProcessResult(status: process.terminationStatus, stdout: $0.out, stderr: $0.err) }
    }
}

/// Runs `qwen-chat` one-shot to the end.
func runBinary(_ binary: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> ProcessResult {
    try await BinaryRun(binary, arguments, environment: environment).finish(timeout: timeout)
}

/// The usual one-shot arguments against the fault server: short idle timeout, two retries.
func oneShot(_ url: String, _ message: String, _ extra: [String] = []) -> [String] {
    ["--url", url, "--idle-timeout", "5", "--retries", "2"] + extra + [message]
}
