import Foundation
import GradioClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Each Space state through the real binary: harness/fake_hub.py serves the Hub's Space API
// (HF_ENDPOINT) and a Space host that answers 503 with a web page until the Space runs, then
// forwards to the fault server. A Space's behaviour is chosen by its name (see fake_hub.py).
@Suite("Space states through the binary", .enabled(if: FaultServer.enabled, "set QWEN_CHAT_TEST_FAULT_URL, QWEN_CHAT_TEST_HUB_URL, QWEN_CHAT_TEST_SPACE_HOST_URL and QWEN_CHAT_BINARY (scripts/test does) to run"))
struct SpaceStateBinaryTests {
    private struct Hub {
        var hub: String
        var host: String
        var binary: String
    }

    private func hub() throws -> Hub? {
        guard try FaultServer.requireURL() != nil, let binary = try Binary.require() else { return nil }
        guard let hub = TestEnvironment.value("QWEN_CHAT_TEST_HUB_URL"), let host = TestEnvironment.value("QWEN_CHAT_TEST_SPACE_HOST_URL") else {
            throw TestSetupFailure("QWEN_CHAT_TEST_HUB_URL / QWEN_CHAT_TEST_SPACE_HOST_URL are not set: start harness/fake_hub.py (scripts/test does)")
        }
        return Hub(hub: hub, host: host, binary: binary)
    }

    /// `--space test/<kind>-<tag> --url HOST/test/<kind>-<tag>`, one message.
    private func run(_ kind: String, _ message: String, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> (ProcessResult, space: String)? {
        guard let hub = try hub() else { return nil }
        let space = "test/\(kind)-\(uniqueTag())"
        let arguments = ["--space", space, "--url", "\(hub.host)/\(space)", "--idle-timeout", "10", "--retries", "2"] + extra + [message]
        let result = try await runBinary(hub.binary, arguments, environment: ["HF_ENDPOINT": hub.hub].merging(environment) { $1 }, timeout: .seconds(90))
        return (result, space)
    }

    private func expectOneLine(_ result: ProcessResult, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "exit \(result.status); stderr: \(result.stderrText)", sourceLocation: sourceLocation)
        #expect(result.stderrLines.map(String.init) == ["qwen-chat: " + expected], "stderr: \(result.stderrText)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("sleeping: says so, waits while it wakes, then answers")
    func sleeping() async throws {
        let message = "hello \(uniqueTag())"
        guard let (result, space) = try await run("sleeping", message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
        #expect(result.stderrLines.first?.hasPrefix("qwen-chat: the Space \(space) is asleep; waking it up (0 s of 120 s)") == true, "\(result.stderrText)")
        // Then more of those, or "is starting" once the Hub says it runs before its host answers.
        #expect(result.stderrLines.allSatisfy { $0.hasPrefix("qwen-chat: the Space \(space) is ") }, "\(result.stderrText)")
    }

    @Test("building: says so, waits, then answers")
    func building() async throws {
        let message = "hello \(uniqueTag())"
        guard let (result, space) = try await run("building", message) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == echo(message) + "\n")
        #expect(!result.stderrLines.isEmpty)
        #expect(result.stderrLines.first?.hasPrefix("qwen-chat: the Space \(space) is building; waiting (0 s of 120 s)") == true, "\(result.stderrText)")
        #expect(result.stderrLines.allSatisfy { $0.hasPrefix("qwen-chat: the Space \(space) is ") }, "\(result.stderrText)")
    }

    @Test("--describe names the Hub's hardware: ZeroGPU in words")
    func zeroGPUHardware() async throws {
        guard let (result, _) = try await run("zero", "hi", ["--describe"]) else { return }
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText.split(separator: "\n").dropFirst().first == "hardware: zero-a10g (ZeroGPU: a GPU lent for each task, within a daily quota; a token gets a larger one)", "\(result.stdoutText)")
        guard let (plain, _) = try await run("anything", "hi", ["--describe"]) else { return }
        #expect(plain.stdoutText.contains("\nhardware: cpu-basic\n"), "\(plain.stdoutText)")
    }

    @Test("paused: one line, exit 1")
    func paused() async throws {
        guard let (result, space) = try await run("paused", "hi") else { return }
        expectOneLine(result, "the Space \(space) is paused by its owner; it answers again once they restart it")
    }

    @Test("runtime error: one line with the Hub's error message, exit 1")
    func runtimeError() async throws {
        guard let (result, space) = try await run("error", "hi") else { return }
        expectOneLine(result, "the Space \(space) has a runtime error: Exit code: 1. Reason: ModuleNotFoundError: No module named 'torch' File \"app.py\", line 3")
    }

    @Test("no hardware: one line, exit 1")
    func noHardware() async throws {
        guard let (result, space) = try await run("nohw", "hi") else { return }
        expectOneLine(result, "the Space \(space) has no hardware assigned (it requests a10g-small); it answers again once its owner assigns some")
    }

    @Test("not on the Hub (or private): one line naming the token, exit 1")
    func notFound() async throws {
        guard let (result, space) = try await run("private", "hi") else { return }
        expectOneLine(result, "the Hub has no public Space \(space) (HTTP 404); if it is private, set HF_TOKEN or --token")
        guard let (signedIn, other) = try await run("private", "hi", environment: ["HF_TOKEN": "hf_x"]) else { return }
        expectOneLine(signedIn, "the Hub has no Space \(other) that the token given can see (HTTP 404); check the id and the token")
    }

    @Test("--wait 1 on a Space that stays asleep: gives up in one line, exit 1")
    func waitBudget() async throws {
        guard let (result, space) = try await run("asleep", "hi", ["--wait", "1"]) else { return }
        #expect(result.status == 1, "stderr: \(result.stderrText)")
        #expect(result.stderrLines.first?.hasPrefix("qwen-chat: the Space \(space) is asleep; waking it up") == true, "\(result.stderrText)")
        #expect(result.stderrLines.last == "qwen-chat: the Space \(space) is still asleep after 1 s; try again later or raise --wait", "\(result.stderrText)")
    }

    @Test("--wait 0: says what state it is in, does not wait, exit 1")
    func noWait() async throws {
        guard let (result, space) = try await run("asleep", "hi", ["--wait", "0"]) else { return }
        expectOneLine(result, "the Space \(space) is asleep (--wait 0: not waiting for it)")
    }

    @Test("Ctrl-C while waiting for a sleeping Space: exit 130 at once")
    func interruptWhileWaiting() async throws {
        guard let hub = try hub() else { return }
        let space = "test/asleep-\(uniqueTag())"
        let process = try BinaryRun(hub.binary, ["--space", space, "--url", "\(hub.host)/\(space)", "hi"], environment: ["HF_ENDPOINT": hub.hub])
        let waiting = await process.wait(upTo: .seconds(20)) { process.stderrSoFar.contains("waking it up") }
        #expect(waiting, "no waiting line: \(process.stderrSoFar)")
        kill(process.pid, SIGINT)
        let result = try await process.finish(timeout: .seconds(10))
        #expect(result.status == 130, "stderr: \(result.stderrText)")
    }

    @Test("HF_TOKEN goes to the Hub but not to a host outside *.hf.space; --token goes to both")
    func tokenScope() async throws {
        guard let hub = try hub() else { return }
        let tag = uniqueTag()
        guard let (_, envSpace) = try await run("nohw", "hi", environment: ["HF_TOKEN": "hf_env_\(tag)"]) else { return }
        let fromEnvironment = try await hubAuth(hub.hub, space: envSpace)
        #expect(fromEnvironment.hub == "Bearer hf_env_\(tag)")
        #expect(fromEnvironment.hostRequests > 0)
        #expect(fromEnvironment.host == nil)
        guard let (_, flagSpace) = try await run("nohw", "hi", ["--token", "hf_flag_\(tag)"], environment: ["HF_TOKEN": "hf_env_\(tag)"]) else { return }
        let fromFlag = try await hubAuth(hub.hub, space: flagSpace)
        #expect(fromFlag.hub == "Bearer hf_flag_\(tag)")
        #expect(fromFlag.host == "Bearer hf_flag_\(tag)")
    }

    @Test("HF_TOKEN does not reach a 127.0.0.1 --url host; --token does")
    func tokenNotToLocalHost() async throws {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return }
        let tag = uniqueTag()
        let withEnvironment = try await runBinary(binary, oneShot(url, "env \(tag)"), environment: ["HF_TOKEN": "hf_secret_\(tag)"])
        #expect(withEnvironment.status == 0, "stderr: \(withEnvironment.stderrText)")
        #expect(try await FaultServer.authorization(url, tag: "env \(tag)") == nil)
        let withFlag = try await runBinary(binary, oneShot(url, "flag \(tag)", ["--token", "hf_given_\(tag)"]), environment: ["HF_TOKEN": "hf_secret_\(tag)"])
        #expect(withFlag.status == 0, "stderr: \(withFlag.stderrText)")
        #expect(try await FaultServer.authorization(url, tag: "flag \(tag)") == "Bearer hf_given_\(tag)")
    }

    private func hubAuth(_ hub: String, space: String) async throws -> (hub: String?, host: String?, hostRequests: Int) {
        let transport = AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(5))
        let (head, body) = try await transport.perform(HTTPRequest(method: "GET", url: "\(hub)/debug/auth?space=\(space)"))
        guard head.status == 200 else { throw TestSetupFailure("/debug/auth answered \(head.status)") }
        let json = try JSONValue.parse(body)
        return (json["hub"]?.stringValue, json["host"]?.stringValue, json["host_requests"]?.intValue ?? 0)
    }
}
