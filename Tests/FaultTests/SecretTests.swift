import Foundation
import TestSupport
import Testing

// Tokens and passwords never reach stdout, stderr or --json output, whatever fails; the token
// does reach the server as `Authorization: Bearer …`.
@Suite("Secrets stay secret", .enabled(if: FaultServer.enabled, "set QWEN_CHAT_TEST_FAULT_URL and QWEN_CHAT_BINARY (scripts/test does) to run"))
struct SecretTests {
    static let faults = ["plain", "FAULT_DROP", "FAULT_500", "FAULT_429", "FAULT_ASLEEP", "FAULT_SESSION_LOST", "FAULT_MALFORMED"]

    private func expectNoLeak(_ result: ProcessResult, _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            #expect(!result.stdoutText.contains(secret), "stdout leaks \(secret): \(result.stdoutText.prefix(400))", sourceLocation: sourceLocation)
            #expect(!result.stderrText.contains(secret), "stderr leaks \(secret): \(result.stderrText)", sourceLocation: sourceLocation)
        }
    }

    @Test("--token: never printed, sent as a Bearer header", arguments: faults, [false, true])
    func tokenOption(fault: String, json: Bool) async throws {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return }
        let tag = uniqueTag()
        let result = try await runBinary(binary, ["--url", url, "--idle-timeout", "5", "--retries", "0", "--token", "hf_SECRET123"]
            + (json ? ["--json"] : []) + ["\(fault) \(tag)"])
        #expect(result.status == (fault == "plain" || fault == "FAULT_MALFORMED" ? 0 : 1), "stderr: \(result.stderrText)")
        expectNoLeak(result, ["SECRET123"])
        #expect(try await FaultServer.authorization(url, tag: tag) == "Bearer hf_SECRET123")
    }

    // HF_TOKEN goes only to the Hub and to *.hf.space hosts: never to this 127.0.0.1 one.
    @Test("HF_TOKEN: never printed, not sent to a host outside *.hf.space", arguments: faults)
    func tokenEnvironment(fault: String) async throws {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return }
        let tag = uniqueTag()
        let result = try await runBinary(binary, ["--url", url, "--idle-timeout", "5", "--retries", "0", "--json", "\(fault) \(tag)"],
                                         environment: ["HF_TOKEN": "hf_SECRET123"])
        expectNoLeak(result, ["SECRET123"])
        #expect(try await FaultServer.authorization(url, tag: tag) == nil)
    }

    @Test("A password in --url is never printed", arguments: faults, [false, true])
    func urlPassword(fault: String, json: Bool) async throws {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return }
        let withCredentials = url.replacingOccurrences(of: "http://", with: "http://user:pw@")
        let result = try await runBinary(binary, ["--url", withCredentials, "--idle-timeout", "5", "--retries", "0"]
            + (json ? ["--json"] : []) + ["\(fault) \(uniqueTag())"])
        #expect(result.status == 0 || result.status == 1, "stderr: \(result.stderrText)")
        expectNoLeak(result, ["user:pw", ":pw@", "pw@"])
    }

    @Test("user:password in --url goes out as basic authorization, percent-decoded; with a token too, exit 2")
    func urlCredentialsSent() async throws {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return }
        let tag = uniqueTag()
        let withCredentials = url.replacingOccurrences(of: "http://", with: "http://user:p%40ss@")
        let result = try await runBinary(binary, ["--url", withCredentials, "--idle-timeout", "5", "--retries", "0", "plain \(tag)"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(try await FaultServer.authorization(url, tag: tag) == "Basic " + Data("user:p@ss".utf8).base64EncodedString())

        let both = try await runBinary(binary, ["--url", withCredentials, "--token", "hf_SECRET123", "plain \(uniqueTag())"])
        #expect(both.status == 2, "stderr: \(both.stderrText)")
        #expect(both.stderrLines.count == 1, "\(both.stderrText)")
        expectNoLeak(both, ["p%40ss", "p@ss", "SECRET123"])
    }

    @Test("Proxy credentials are never printed", arguments: [false, true])
    func proxyPassword(json: Bool) async throws {
        guard let url = try FaultServer.requireURL(), let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, ["--url", url, "--proxy", "http://u:p@127.0.0.1:1", "--idle-timeout", "5", "--retries", "0", "--token", "hf_SECRET123"]
            + (json ? ["--json"] : []) + ["hello \(uniqueTag())"])
        #expect(result.status == 1, "stderr: \(result.stderrText)")
        expectNoLeak(result, ["u:p", "SECRET123"])
        #expect(result.stderrLines.count == 1, "\(result.stderrText)")
    }

    @Test("Bad proxy or URL schemes are usage errors and stay secret", arguments: [
        ["--url", "ftp://x", "hi"],
        ["--url", "ftp://user:pw@x", "hi"],
    ])
    func usage(arguments: [String]) async throws {
        guard FaultServer.enabled, let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, arguments)
        #expect(result.status == 2, "stderr: \(result.stderrText)")
        expectNoLeak(result, [":pw@"])
    }
}
