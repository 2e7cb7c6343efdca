import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A runner for the real binary, with SIGINT deliverable to it.

public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    public var stderrLines: [Substring] { stderrText.split(separator: "\n") }
    /// The stderr lines other than queue notes ("qwen-chat: queued: 2 of 5"), which depend on
    /// how busy the shared test servers are.
    public var notes: [Substring] {
        stderrLines.filter { !$0.hasPrefix("qwen-chat: queued: ") }
    }
    /// The stderr lines other than retry and queue notes.
    public var errorLines: [Substring] {
        notes.filter { !$0.hasPrefix("qwen-chat: busy, retrying") }
    }
}

/// Runs the binary with stdin from /dev/null (or the given bytes), capturing both outputs.
public final class BinaryRun: @unchecked Sendable {
    private let process = Process()
    private let outPipe = Pipe()
    private let errPipe = Pipe()
    private let state = Mutex<(out: [UInt8], err: [UInt8], outDone: Bool, errDone: Bool)>(([], [], false, false))
    private let exited = Mutex<Bool>(false)

    public init(_ binary: String, _ arguments: [String], stdin: [UInt8]? = nil, environment extra: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "QWEN_CHAT_URL", "HF_TOKEN"] {
            environment[name] = nil
        }
        // Never the real Hub: the fake one scripts/test starts, else a port nothing listens on.
        environment["HF_ENDPOINT"] = TestEnvironment.value("QWEN_CHAT_TEST_HUB_URL") ?? "http://127.0.0.1:9"
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = outPipe
        process.standardError = errPipe
        if let stdin {
            let inPipe = Pipe()
            process.standardInput = inPipe
            try Self.launch(process)
            inPipe.fileHandleForWriting.write(Data(stdin))
            try inPipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
            try Self.launch(process)
        }
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

    /// Starts the process from a thread whose signal mask lets SIGINT and SIGTERM through.
    /// Foundation spawns the child with the calling thread's mask, and Swift concurrency's
    /// worker threads block those signals, so a child started from a test task would never
    /// see the SIGINT the test sends (as if the user's shell had blocked it).
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

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdoutSoFar: [UInt8] { state.withLock { $0.out } }
    public var stderrSoFar: String { String(decoding: state.withLock { $0.err }, as: UTF8.self) }

    /// Polls until `condition` holds or the deadline passes.
    public func wait(upTo timeout: Duration, until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Waits for the exit and for both outputs to close; kills the process on timeout.
    public func finish(timeout: Duration = .seconds(60)) async throws -> ProcessResult {
        let done = await wait(upTo: timeout) {
            !process.isRunning && state.withLock { $0.outDone && $0.errDone }
        }
        if !done {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw TestSetupFailure("qwen-chat did not finish within \(timeout); stdout so far: \(String(decoding: stdoutSoFar, as: UTF8.self).prefix(300)); stderr so far: \(stderrSoFar.prefix(300))")
        }
        process.waitUntilExit()
        return state.withLock { ProcessResult(status: process.terminationStatus, stdout: $0.out, stderr: $0.err) }
    }
}

/// Runs `qwen-chat` to the end.
public func runBinary(
    _ binary: String,
    _ arguments: [String],
    stdin: [UInt8]? = nil,
    environment: [String: String] = [:],
    timeout: Duration = .seconds(60)
) async throws -> ProcessResult {
    try await BinaryRun(binary, arguments, stdin: stdin, environment: environment).finish(timeout: timeout)
}
