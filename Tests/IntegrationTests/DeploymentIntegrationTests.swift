import ChatCore
import Foundation
import GradioClient
import Synchronization
import TestSupport
import Testing

/// Deployments beyond one open process: an app behind Gradio's login (the replica launched
/// with `auth=`, harness `--auth`).
enum AuthApp {
    static var url: String? { ProcessInfo.processInfo.environment["QWEN_CHAT_TEST_AUTH_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var login: String { ProcessInfo.processInfo.environment["QWEN_CHAT_TEST_AUTH_LOGIN"] ?? "qwen:open sesame:42" }
    static var password: String { String(login.split(separator: ":", maxSplits: 1).last ?? "") }
    static var enabled: Bool { Server.required || url != nil }
    static func requireURL() throws -> String? {
        if let url { return url }
        if Server.required { throw TestSetupFailure("QWEN_CHAT_TEST_AUTH_URL is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1: scripts/test starts it") }
        return nil
    }
}

@Suite("An app behind Gradio's login (auth=) through the binary", .enabled(if: AuthApp.enabled), .timeLimit(.minutes(2)))
struct LoginIntegrationTests {
    @Test("without --auth: one line naming --auth, exit 1")
    func noLogin() async throws {
        guard let url = try AuthApp.requireURL(), let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, ["--url", url, "hello"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrLines.count == 1 && result.stderrText.contains("--auth USER[:PASSWORD]"), "stderr: \(result.stderrText)")
        #expect(!result.stderrText.contains("--token"), "the advice for a private Space is wrong here: \(result.stderrText)")
    }

    @Test("--auth USER:PASSWORD and QWEN_CHAT_AUTH: the exact reply")
    func login() async throws {
        guard let url = try AuthApp.requireURL(), let binary = try Binary.require() else { return }
        let message = "behind the login \(uniqueTag())"
        let given = try await runBinary(binary, ["--url", url, "--auth", AuthApp.login, message])
        #expect(given.status == 0, "stderr: \(given.stderrText)")
        #expect(given.stdoutText == Scripted.echo(message) + "\n")
        #expect(given.stderrText.isEmpty, "stderr: \(given.stderrText)")
        let fromEnvironment = try await runBinary(binary, ["--url", url, message], environment: ["QWEN_CHAT_AUTH": AuthApp.login])
        #expect(fromEnvironment.status == 0, "stderr: \(fromEnvironment.stderrText)")
        #expect(fromEnvironment.stdoutText == Scripted.echo(message) + "\n")
    }

    @Test("a wrong password: one line without it, exit 1; --json says the same")
    func wrongPassword() async throws {
        guard let url = try AuthApp.requireURL(), let binary = try Binary.require() else { return }
        let secret = "not-the-password-\(uniqueTag())"
        for extra in [[], ["--json"]] {
            let result = try await runBinary(binary, ["--url", url, "--auth", "qwen:" + secret] + extra + ["hello"])
            #expect(result.status == 1)
            #expect(result.stderrText.contains("refused the login for 'qwen'"), "stderr: \(result.stderrText)")
            #expect(!result.stderrText.contains(secret) && !result.stdoutText.contains(secret), "the password was printed")
        }
    }
}

/// Two replicas behind a load balancer with cookie affinity (harness/affinity_balancer.py): a
/// client that keeps no cookies sends its join to one and its data stream to the other.
enum Balancer {
    static var url: String? { ProcessInfo.processInfo.environment["QWEN_CHAT_TEST_BALANCER_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var log: String? { ProcessInfo.processInfo.environment["QWEN_CHAT_TEST_BALANCER_LOG"] }
    static var enabled: Bool { Server.required || url != nil }
    static func requireURL() throws -> String? {
        if let url { return url }
        if Server.required { throw TestSetupFailure("QWEN_CHAT_TEST_BALANCER_URL is not set but QWEN_CHAT_REQUIRE_INTEGRATION=1: scripts/test starts it") }
        return nil
    }
}

@Suite("Replicas behind a cookie-affinity balancer", .enabled(if: Balancer.enabled), .timeLimit(.minutes(3)))
struct BalancerIntegrationTests {
    @Test("ten one-shot turns through the binary: each the exact reply")
    func oneShot() async throws {
        guard let url = try Balancer.requireURL(), let binary = try Binary.require() else { return }
        var exact = 0
        for i in 0..<10 {
            let message = "balanced \(i) \(uniqueTag())"
            let result = try await runBinary(binary, ["--url", url, message])
            #expect(result.status == 0, "turn \(i): \(result.stderrText)")
            if result.stdoutText == Scripted.echo(message) + "\n" { exact += 1 }
        }
        #expect(exact == 10)
    }

    @Test("ten turns of one chat (one client, as the REPL keeps it): each the exact reply, all on one replica")
    func replChat() async throws {
        guard let url = try Balancer.requireURL() else { return }
        let service = ChatService(target: .init(client: makeClient(url), hub: nil, tokenSent: false), retry: .none)
        var exact = 0
        for i in 0..<10 {
            let message = "chat turn \(i) \(uniqueTag())"
            let reply = Mutex("")
            let notes = Mutex<[String]>([])
            let end = await service.run(userTurn: message, systemPrompt: Scripted.defaultSystem, modelSize: "72B") { event in
                switch event {
                case .text(.delta(let piece)): reply.withLock { $0 += piece }
                case .note(let note): notes.withLock { $0.append(note) }
                default: break
                }
            }
            if case .replyFinished(let error?) = end { Issue.record("turn \(i): \(error.message)") }
            #expect(notes.withLock { $0 }.isEmpty, "turn \(i): \(notes.withLock { $0 })")
            if reply.withLock({ $0 }) == Scripted.echo(message) { exact += 1 }
        }
        #expect(exact == 10)
    }

    @Test("without cookies the balancer does split a session (the test's premise)")
    func premise() async throws {
        guard let url = try Balancer.requireURL() else { return }
        // A client whose jar forgets every cookie at once: its join and its stream alternate replicas.
        final class NoCookies: HTTPTransport, Sendable {
            let inner: any HTTPTransport
            init(_ inner: any HTTPTransport) { self.inner = inner }
            func strip(_ request: HTTPRequest) -> HTTPRequest {
                var r = request
                r.headers.removeAll { $0.0.lowercased() == "cookie" }
                return r
            }
            func perform(_ request: HTTPRequest) async throws -> (HTTPResponseHead, [UInt8]) { try await inner.perform(strip(request)) }
            func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse { try await inner.stream(strip(request)) }
        }
        let result = try await IntegrationTests.chat(url, "split \(uniqueTag())", transport: NoCookies(makeClient(url).transport))
        #expect(result.error?.code == .sessionNotFound, "\(String(describing: result.error))")
    }
}
