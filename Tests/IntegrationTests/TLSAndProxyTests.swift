import ChatCore
import Foundation
import GradioClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// AsyncHTTPClientTransport over TLS and through HTTP proxies, against the replica: each test
// starts its own harness/tls_proxy.py (https://localhost:P with a throwaway CA in front of the
// replica) and/or harness/forward_proxy.py (CONNECT tunnels, absolute-form forwarding, or a
// reverse proxy, with a JSON line per request in its log), and stops them at the end.
// async-http-client tunnels through a proxy with CONNECT for http targets too.

/// The library (AsyncHTTPClientTransport + GradioClient) over TLS and through proxies.
@Suite(
    "TLS and HTTP proxies against the replica",
    .enabled(if: Server.enabled, "set QWEN_CHAT_TEST_REPLICA_URL (scripts/test does) to run"),
    .timeLimit(.minutes(2))
)
struct TLSAndProxyTests {
    @Test("Over TLS with the CA trusted: the echo, then a long reply streamed completely")
    func tlsTrusted() async throws {
        guard let url = try Server.replica.requireURL() else { return }
        let tls = try await HarnessHelper.tlsProxy(in: url)
        defer { tls.stop() }
        let transport = AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(30), trustedCertificatesFile: tls.ca)

        let query = "over tls 你好 \(uniqueTag())"
        let run = try await chat(tls.url, query, over: transport)
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(bytes(run.finalText ?? "") == bytes(Scripted.echo(query)), "final \(run.finalText.debugDescription)")
        #expect(bytes(run.rebuilt) == bytes(Scripted.echo(query)))

        // The same transport again (a kept-alive TLS connection, or a new one): ~600 KB of stream.
        let long = try await chat(tls.url, "TRIGGER_LONG 2000 \(uniqueTag())", over: transport)
        #expect(long.error == nil, "\(long.error?.message ?? "")")
        #expect(long.generatingCount >= 2, "only \(long.generatingCount) generating events")
        #expect(long.finalText == TLSAndProxyTests.longReply(2000), "final text has \(long.finalText?.count ?? -1) characters")
        #expect(bytes(long.rebuilt) == bytes(long.finalText ?? ""), "deltas + revisions do not rebuild the final text")
    }

    @Test("Over TLS without trusting the CA: .unreachable, \"TLS handshake failed\", one line")
    func tlsUntrusted() async throws {
        guard let url = try Server.replica.requireURL() else { return }
        let tls = try await HarnessHelper.tlsProxy(in: url)
        defer { tls.stop() }
        // The system roots only: the throwaway CA is not among them.
        let run = try await chat(tls.url, "untrusted \(uniqueTag())", over: AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(30)))
        let error = try #require(run.error, "the chat succeeded without trusting the CA")
        #expect(error.code == .unreachable, "\(error.code): \(error.message)")
        #expect(error.message.contains("TLS handshake failed"), "message: \(error.message)")
        #expect(!error.message.contains("\n"), "message: \(error.message.debugDescription)")
        #expect(run.events.isEmpty, "events before the failure: \(run.events)")
    }

    @Test("Through a proxy to plain http: a CONNECT tunnel, streamed reply")
    func proxyToPlainHTTP() async throws {
        guard let url = try Server.replica.requireURL() else { return }
        let proxy = try await HarnessHelper.forwardProxy()
        defer { proxy.stop() }
        let transport = AsyncHTTPClientTransport(proxy: proxy.settings(), idleTimeout: .seconds(30))

        let query = "via proxy \(uniqueTag())"
        let run = try await chat(url, query, over: transport)
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(bytes(run.finalText ?? "") == bytes(Scripted.echo(query)), "final \(run.finalText.debugDescription)")
        #expect(bytes(run.rebuilt) == bytes(Scripted.echo(query)))

        let long = try await chat(url, "TRIGGER_LONG 1000 \(uniqueTag())", over: transport)
        #expect(long.error == nil, "\(long.error?.message ?? "")")
        #expect(long.generatingCount >= 2, "only \(long.generatingCount) generating events")
        #expect(long.finalText == TLSAndProxyTests.longReply(1000), "final text has \(long.finalText?.count ?? -1) characters")

        let log = try proxy.logEntries()
        let authority = try #require(URLParts(url).map { "\($0.host):\($0.port)" })
        #expect(!log.isEmpty, "nothing went through the proxy")
        #expect(log.allSatisfy { $0.method == "CONNECT" && $0.target == authority && $0.status == 200 }, "proxy log: \(log)")
    }

    @Test("Through a proxy to https: a CONNECT tunnel, TLS inside it, streamed reply")
    func proxyConnectToTLS() async throws {
        guard let url = try Server.replica.requireURL() else { return }
        let tls = try await HarnessHelper.tlsProxy(in: url)
        defer { tls.stop() }
        let proxy = try await HarnessHelper.forwardProxy()
        defer { proxy.stop() }
        let transport = AsyncHTTPClientTransport(proxy: proxy.settings(), idleTimeout: .seconds(30), trustedCertificatesFile: tls.ca)

        let query = "via tunnel \(uniqueTag())"
        let run = try await chat(tls.url, query, over: transport)
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(bytes(run.finalText ?? "") == bytes(Scripted.echo(query)), "final \(run.finalText.debugDescription)")

        let long = try await chat(tls.url, "TRIGGER_LONG 1000 \(uniqueTag())", over: transport)
        #expect(long.error == nil, "\(long.error?.message ?? "")")
        #expect(long.generatingCount >= 2, "only \(long.generatingCount) generating events")
        #expect(long.finalText == TLSAndProxyTests.longReply(1000), "final text has \(long.finalText?.count ?? -1) characters")

        let log = try proxy.logEntries()
        let authority = try #require(tls.authority)
        #expect(!log.isEmpty, "nothing went through the proxy")
        #expect(log.allSatisfy { $0.method == "CONNECT" && $0.target == authority && $0.status == 200 },
                "expected only CONNECT \(authority): \(log)")
    }

    @Test("Proxy authentication: right credentials work, wrong or missing ones are .unreachable naming the proxy",
          arguments: ["http", "https"])
    func proxyAuthentication(scheme: String) async throws {
        guard let url = try Server.replica.requireURL() else { return }
        var tls: HarnessHelper?
        if scheme == "https" { tls = try await HarnessHelper.tlsProxy(in: url) }
        defer { tls?.stop() }
        let proxy = try await HarnessHelper.forwardProxy(auth: "u:p")
        defer { proxy.stop() }
        let root = tls?.url ?? url

        let query = "authenticated \(uniqueTag())"
        let good = AsyncHTTPClientTransport(proxy: proxy.settings(credentials: "u:p"), idleTimeout: .seconds(30), trustedCertificatesFile: tls?.ca)
        let run = try await chat(root, query, over: good)
        #expect(run.error == nil, "\(run.error?.message ?? "")")
        #expect(bytes(run.finalText ?? "") == bytes(Scripted.echo(query)), "final \(run.finalText.debugDescription)")
        let accepted = try proxy.logEntries()
        #expect(!accepted.isEmpty && accepted.allSatisfy { $0.status == 200 }, "proxy log: \(accepted)")

        let refusedCredentials: [String?] = ["u:wrong", nil]
        for credentials in refusedCredentials {
            let bad = AsyncHTTPClientTransport(proxy: proxy.settings(credentials: credentials), idleTimeout: .seconds(30), trustedCertificatesFile: tls?.ca)
            let refused = try await chat(root, "refused \(uniqueTag())", over: bad)
            let error = try #require(refused.error, "the proxy let \(credentials ?? "no credentials") through")
            #expect(error.code == .unreachable, "\(credentials ?? "none"): \(error.code): \(error.message)")
            #expect(error.message.lowercased().contains("proxy"), "message: \(error.message)")
            // The user should learn it was the authentication, not just that something failed.
            #expect(error.message.contains("407") || error.message.lowercased().contains("auth"), "message: \(error.message)")
            #expect(!error.message.contains("\n"), "message: \(error.message.debugDescription)")
            #expect(refused.events.isEmpty, "events before the failure: \(refused.events)")
        }
        let log = try proxy.logEntries()
        #expect(log.filter { $0.status == 407 }.count >= 2, "proxy log: \(log)")
        #expect(log.filter { $0.status == 407 }.allSatisfy { $0.method == "CONNECT" }, "proxy log: \(log)")
    }

    @Test("A TLS answer cut without close_notify is an error, not a complete body (truncation attack)")
    func truncatedTLS() async throws {
        guard let url = try Server.replica.requireURL() else { return }
        let tls = try await HarnessHelper.tlsProxy(in: url, truncate: true)
        defer { tls.stop() }
        let transport = AsyncHTTPClientTransport(proxy: nil, idleTimeout: .seconds(30), trustedCertificatesFile: tls.ca)
        do {
            let (head, body) = try await transport.perform(HTTPRequest(method: "GET", url: tls.url + "/config"))
            Issue.record("a cut answer was taken as complete: HTTP \(head.status), \(String(decoding: body, as: UTF8.self).debugDescription)")
        } catch let error as TransportError {
            #expect(error.kind == .connectionLost, "\(error.kind): \(error.description)")
            #expect(error.description.contains("close_notify"), "\(error.description)")
        }
    }

    /// `TRIGGER_LONG n` as harness/scripted_model.py builds it (cleandoc trims the end).
    static func longReply(_ tokens: Int) -> String {
        let filler = "The quick brown fox jumps over the lazy dog. "
        let text = String(repeating: filler, count: tokens * Scripted.tokenChars / filler.count + 1)
        return String(text.prefix(tokens * Scripted.tokenChars)).trimmingCharacters(in: .whitespaces)
    }
}

/// The `qwen-chat` binary over TLS (`SSL_CERT_FILE`) and through proxies.
@Suite(
    "qwen-chat binary over TLS and through proxies",
    .enabled(if: Server.enabled, "set QWEN_CHAT_TEST_REPLICA_URL and QWEN_CHAT_BINARY (scripts/test does) to run"),
    .timeLimit(.minutes(2))
)
struct TLSAndProxyBinaryTests {
    private func setUp() throws -> (binary: String, url: String)? {
        guard let url = try Server.replica.requireURL(), let binary = try Binary.require() else { return nil }
        return (binary, url)
    }

    @Test("--url https://localhost:P with SSL_CERT_FILE prints the echo; without it, one line about TLS")
    func tls() async throws {
        guard let (binary, url) = try setUp() else { return }
        let tls = try await HarnessHelper.tlsProxy(in: url)
        defer { tls.stop() }

        let query = "binary tls \(uniqueTag())"
        let trusted = try await runBinary(binary, ["--url", tls.url, query], environment: ["SSL_CERT_FILE": tls.ca ?? ""])
        #expect(trusted.status == 0, "stderr: \(trusted.stderrText)")
        #expect(trusted.stdout == bytes(Scripted.echo(query) + "\n"), "stdout: \(trusted.stdoutText.debugDescription)")
        #expect(trusted.notes.isEmpty, "stderr: \(trusted.stderrText)")

        // An empty SSL_CERT_FILE counts as unset, whatever the test runner's environment holds.
        let untrusted = try await runBinary(binary, ["--url", tls.url, "binary untrusted \(uniqueTag())"], environment: ["SSL_CERT_FILE": ""])
        #expect(untrusted.status != 0, "stdout: \(untrusted.stdoutText.debugDescription)")
        #expect(untrusted.stdout.isEmpty, "stdout: \(untrusted.stdoutText.debugDescription)")
        #expect(untrusted.stderrText.hasSuffix("\n"))
        #expect(untrusted.notes.count == 1, "stderr: \(untrusted.stderrText.debugDescription)")
        let message = try #require(untrusted.notes.first)
        #expect(message.hasPrefix("qwen-chat: "), "stderr: \(message)")
        #expect(message.contains("TLS"), "stderr: \(message)")
    }

    @Test("An answer cut without close_notify: one line naming it, exit 1, not a body taken as complete")
    func truncatedTLS() async throws {
        guard let (binary, url) = try setUp() else { return }
        let tls = try await HarnessHelper.tlsProxy(in: url, truncate: true)
        defer { tls.stop() }

        let result = try await runBinary(binary, ["--url", tls.url, "cut \(uniqueTag())"], environment: ["SSL_CERT_FILE": tls.ca ?? ""])
        #expect(result.status == 1, "stderr: \(result.stderrText)")
        #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText.debugDescription)")
        #expect(result.notes.count == 1, "stderr: \(result.stderrText.debugDescription)")
        #expect(result.stderrText.contains("close_notify"), "stderr: \(result.stderrText)")
    }

    @Test("HTTPS_PROXY=http://127.0.0.1:Q: the https Space through a CONNECT tunnel")
    func httpsProxyEnvironment() async throws {
        guard let (binary, url) = try setUp() else { return }
        let tls = try await HarnessHelper.tlsProxy(in: url)
        defer { tls.stop() }
        let proxy = try await HarnessHelper.forwardProxy()
        defer { proxy.stop() }

        let query = "binary env proxy \(uniqueTag())"
        let result = try await runBinary(binary, ["--url", tls.url, query],
                                         environment: ["SSL_CERT_FILE": tls.ca ?? "", "HTTPS_PROXY": proxy.url])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdout == bytes(Scripted.echo(query) + "\n"), "stdout: \(result.stdoutText.debugDescription)")
        let log = try proxy.logEntries()
        let authority = try #require(tls.authority)
        #expect(log.contains { $0.method == "CONNECT" && $0.target == authority && $0.status == 200 }, "proxy log: \(log)")
        #expect(log.allSatisfy { $0.method == "CONNECT" }, "proxy log: \(log)")
    }

    @Test("--proxy http://u:p@127.0.0.1:Q to the plain replica: a CONNECT tunnel with the credentials")
    func proxyOption() async throws {
        guard let (binary, url) = try setUp() else { return }
        let proxy = try await HarnessHelper.forwardProxy(auth: "u:p")
        defer { proxy.stop() }
        let port = try #require(URLParts(proxy.url)?.port)

        let query = "binary proxy option \(uniqueTag())"
        let result = try await runBinary(binary, ["--url", url, "--proxy", "http://u:p@127.0.0.1:\(port)", query])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdout == bytes(Scripted.echo(query) + "\n"), "stdout: \(result.stdoutText.debugDescription)")
        let log = try proxy.logEntries()
        let authority = try #require(URLParts(url).map { "\($0.host):\($0.port)" })
        #expect(log.contains { $0.method == "CONNECT" && $0.target == authority && $0.status == 200 && $0.credentials == "u:p" }, "proxy log: \(log)")

        let refused = try await runBinary(binary, ["--url", url, "--proxy", "http://u:hunter2x@127.0.0.1:\(port)", "refused \(uniqueTag())"])
        #expect(refused.status == 1, "stderr: \(refused.stderrText)")
        #expect(refused.stdout.isEmpty)
        #expect(refused.notes.count == 1, "stderr: \(refused.stderrText.debugDescription)")
        #expect(refused.stderrText.lowercased().contains("proxy"), "stderr: \(refused.stderrText)")
        #expect(!refused.stderrText.contains("hunter2x"), "the password is on stderr: \(refused.stderrText)")
    }

    @Test("Proxy credentials are percent-decoded: --proxy http://u:pa%40ss@… authenticates as u:pa@ss")
    func proxyCredentialsPercentDecoded() async throws {
        guard let (binary, url) = try setUp() else { return }
        let proxy = try await HarnessHelper.forwardProxy(auth: "u:pa@ss")
        defer { proxy.stop() }
        let port = try #require(URLParts(proxy.url)?.port)

        let query = "binary encoded password \(uniqueTag())"
        let result = try await runBinary(binary, ["--url", url, "--proxy", "http://u:pa%40ss@127.0.0.1:\(port)", query])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdout == bytes(Scripted.echo(query) + "\n"), "stdout: \(result.stdoutText.debugDescription)")
        let log = try proxy.logEntries()
        #expect(!log.isEmpty && log.allSatisfy { $0.credentials == "u:pa@ss" && $0.status == 200 }, "proxy log: \(log)")
    }

    @Test("A token with a line break is refused before anything is sent: one line, exit 1, no request",
          arguments: [(["--token", "abc\r\nX-Evil: 1"], [String: String]()), (["--token", "hf_abc\n"], ["HF_TOKEN": "hf_fine"])])
    func headerInjection(arguments: [String], environment: [String: String]) async throws {
        guard let (binary, url) = try setUp() else { return }
        let server = try await HarnessHelper.forwardProxy(reverseTo: url)
        defer { server.stop() }

        let result = try await runBinary(binary, ["--url", server.url] + arguments + ["injected \(uniqueTag())"], environment: environment)
        #expect(result.status != 0, "stdout: \(result.stdoutText.debugDescription)")
        #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText.debugDescription)")
        #expect(result.notes.count == 1, "stderr: \(result.stderrText.debugDescription)")
        #expect(result.stderrText.contains("control characters"), "stderr: \(result.stderrText)")
        #expect(!result.stderrText.contains("abc"), "the token is on stderr: \(result.stderrText)")
        let log = try server.logEntries()
        #expect(log.isEmpty, "requests reached the server: \(log)")
    }

    @Test("A connection that fails after the join was sent is reported; the join is never sent twice")
    func failedJoinIsNotResent() async throws {
        guard let (binary, url) = try setUp() else { return }
        // A reverse proxy that passes the join on to the replica, then drops the connection.
        let server = try await HarnessHelper.forwardProxy(reverseTo: url, dropAfter: "/queue/join")
        defer { server.stop() }

        let result = try await runBinary(binary, ["--url", server.url, "--retries", "3", "dropped join \(uniqueTag())"])
        #expect(result.status == 1, "stderr: \(result.stderrText)")
        #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText.debugDescription)")
        #expect(result.notes.count == 1, "stderr: \(result.stderrText.debugDescription)")
        let log = try server.logEntries()
        #expect(log.contains { $0.method == "GET" && $0.target.hasSuffix("/config") && $0.status == 200 }, "log: \(log)")
        let joins = log.filter { $0.method == "POST" && $0.target.hasSuffix("/queue/join") }
        #expect(joins.count == 1, "the replica got \(joins.count) joins: \(log)")
        // The binary names itself; GradioClient takes the User-Agent from its caller.
        #expect(log.allSatisfy { $0.userAgent?.hasPrefix("qwen-chat/") == true }, "user agents: \(log.map { $0.userAgent ?? "none" })")
    }
}

// MARK: - Library-level chat over a given transport

/// `chat(_:_:)` of Support.swift over the given transport; connect errors land in `error` too.
func chat(
    _ url: String,
    _ query: String,
    over transport: any HTTPTransport,
    system: String = Scripted.defaultSystem,
    model: String = "72B"
) async throws -> ChatRun {
    do {
        return try await chat(url, query, system: system, model: model, transport: transport)
    } catch let error as GradioError {
        var run = ChatRun()
        run.error = error
        return run
    }
}

// MARK: - harness/tls_proxy.py and harness/forward_proxy.py

/// One request as harness/forward_proxy.py logged it.
struct ProxyLogEntry: Sendable, CustomStringConvertible {
    var method: String
    var target: String
    var status: Int?
    /// The `user:password` the client sent as proxy basic authorization.
    var credentials: String?
    var userAgent: String?
    var description: String { "\(method) \(target) -> \(status.map { String($0) } ?? "?")" }
}

/// A helper script from harness/, started with its own scratch directory; `stop()` sends it
/// SIGTERM and removes the directory (the scripts also exit by themselves after 5 minutes).
struct HarnessHelper: Sendable {
    let process: BinaryRun
    /// `https://localhost:P` (tls_proxy) or `http://127.0.0.1:Q` (forward_proxy).
    let url: String
    /// tls_proxy: the CA certificate (PEM) that signed the server's certificate.
    let ca: String?
    /// forward_proxy: its request log.
    let logPath: String?
    let directory: URL

    /// `localhost:P` as a CONNECT names it.
    var authority: String? { URLParts(url).map { "\($0.host):\($0.port)" } }

    /// The repo root, from this file's path.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// QWEN_CHAT_TEST_PYTHON, the repo's .venv-tools, or python3 from PATH (stdlib is enough).
    static var python: String {
        let files = FileManager.default
        if let path = TestEnvironment.value("QWEN_CHAT_TEST_PYTHON"), files.isExecutableFile(atPath: path) { return path }
        let venv = repoRoot.appendingPathComponent(".venv-tools/bin/python").path
        if files.isExecutableFile(atPath: venv) { return venv }
        for directory in (TestEnvironment.value("PATH") ?? "/usr/local/bin:/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/python3"
            if files.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/python3"
    }

    /// harness/tls_proxy.py in front of `target` (an http:// URL); with `truncate`, answering
    /// every request with a body cut without close_notify.
    static func tlsProxy(in target: String, truncate: Bool = false) async throws -> HarnessHelper {
        guard let parts = URLParts(target) else { throw TestSetupFailure("not a URL: \(target)") }
        let directory = try scratchDirectory("tls")
        let (process, line) = try await start("tls_proxy.py", ["--target", "\(parts.host):\(parts.port)", "--cert-dir", directory.appendingPathComponent("certs").path] + (truncate ? ["--truncate"] : []), directory: directory)
        // "URL https://localhost:P CA /path/ca.pem"
        guard let caRange = line.range(of: " CA ") else {
            stop(process, directory)
            throw TestSetupFailure("harness/tls_proxy.py printed \(line.debugDescription)")
        }
        let url = String(line[line.index(line.startIndex, offsetBy: 4)..<caRange.lowerBound])
        return HarnessHelper(process: process, url: url, ca: String(line[caRange.upperBound...]), logPath: nil, directory: directory)
    }

    /// harness/forward_proxy.py, optionally requiring `user:password`; with `reverseTo` (an
    /// http:// URL) also a reverse proxy to it, dropping the connection after passing on a
    /// request whose target contains `dropAfter`.
    static func forwardProxy(auth: String? = nil, reverseTo: String? = nil, dropAfter: String? = nil) async throws -> HarnessHelper {
        let directory = try scratchDirectory("proxy")
        let log = directory.appendingPathComponent("proxy.jsonl").path
        var arguments = ["--log", log]
        if let auth { arguments += ["--auth", auth] }
        if let reverseTo, let parts = URLParts(reverseTo) { arguments += ["--reverse-to", "\(parts.host):\(parts.port)"] }
        if let dropAfter { arguments += ["--drop-after", dropAfter] }
        let (process, line) = try await start("forward_proxy.py", arguments, directory: directory)
        // "URL http://127.0.0.1:Q"
        return HarnessHelper(process: process, url: String(line.dropFirst(4)), ca: nil, logPath: log, directory: directory)
    }

    /// This proxy as ProxySettings.
    func settings(credentials: String? = nil) -> ProxySettings? {
        URLParts(url).map { ProxySettings(host: $0.host, port: $0.port, credentials: credentials) }
    }

    /// The requests the proxy has logged so far (it logs each before answering it).
    func logEntries() throws -> [ProxyLogEntry] {
        guard let logPath, let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return try data.split(separator: 0x0A).filter { !$0.isEmpty }.map { line in
            let value = try JSONValue.parse(Array(line))
            return ProxyLogEntry(method: value["method"]?.stringValue ?? "", target: value["target"]?.stringValue ?? "",
                                 status: value["status"]?.intValue, credentials: value["credentials"]?.stringValue,
                                 userAgent: value["user_agent"]?.stringValue)
        }
    }

    func stop() { Self.stop(process, directory) }

    private static func stop(_ process: BinaryRun, _ directory: URL) {
        if process.isRunning { kill(process.pid, SIGTERM) }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func scratchDirectory(_ kind: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qwen-chat-\(kind)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Starts the script and waits for its one "URL …" line.
    private static func start(_ script: String, _ arguments: [String], directory: URL) async throws -> (BinaryRun, String) {
        let path = repoRoot.appendingPathComponent("harness").appendingPathComponent(script).path
        let process: BinaryRun
        do {
            process = try BinaryRun(python, [path] + arguments + ["--max-lifetime", "300"])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw TestSetupFailure("could not run \(python) \(path): \(error)")
        }
        _ = await process.wait(upTo: .seconds(30)) { process.stdoutSoFar.contains(0x0A) || !process.isRunning }
        let output = String(decoding: process.stdoutSoFar, as: UTF8.self)
        guard let line = output.split(separator: "\n").first, line.hasPrefix("URL ") else {
            if process.isRunning { kill(process.pid, SIGKILL) }
            let stderr = (try? await process.finish(timeout: .seconds(5)))?.stderrText ?? process.stderrSoFar
            try? FileManager.default.removeItem(at: directory)
            throw TestSetupFailure("harness/\(script) did not start; stdout \(output.prefix(200).debugDescription), stderr \(stderr.suffix(500).debugDescription)")
        }
        return (process, String(line))
    }
}
