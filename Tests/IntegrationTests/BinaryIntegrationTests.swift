import Foundation
import GradioClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `qwen-chat` executable (QWEN_CHAT_BINARY) against real Gradio 4.44.1 / 5 / 6 servers.
@Suite(
    "qwen-chat binary against local Gradio servers",
    .enabled(if: Server.enabled, "set QWEN_CHAT_TEST_*_URL and QWEN_CHAT_BINARY (scripts/test does) to run"),
    .timeLimit(.minutes(2))
)
struct BinaryIntegrationTests {
    /// The binary and the server's URL, or nil when the test is skipped.
    private func setUp(_ server: Server) throws -> (binary: String, url: String)? {
        guard let url = try server.requireURL(), let binary = try Binary.require() else { return nil }
        return (binary, url)
    }

    // 9. Plain one-shot.
    @Test("qwen-chat --url URL \"hi 你好\" prints exactly the echo", arguments: Server.allCases)
    func oneShot(server: Server) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let result = try await runBinary(binary, ["--url", url, "hi 你好"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let expected = "Echo from qwen2.5-72B: you said «hi 你好». System: You are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n"
        #expect(result.stdout == bytes(expected), "stdout: \(result.stdoutText.debugDescription)")
        #expect(result.notes.isEmpty, "stderr: \(result.stderrText)")
    }

    @Test("--system and --model reach the Space", arguments: Server.allCases)
    func systemAndModel(server: Server) async throws {
        guard let (binary, url) = try setUp(server), let log = try server.requireLog() else { return }
        let tag = uniqueTag()
        let result = try await runBinary(binary, ["--url", url, "--system", "Be brief.", "--model", "7b", "size", "check", tag])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == Scripted.echo("size check \(tag)", system: "Be brief.", model: "7B") + "\n",
                "stdout: \(result.stdoutText.debugDescription)")
        let record = try #require(try await loggedRequest(in: log, containing: tag), "no line for \(tag) in \(log)")
        #expect(record["query"]?.stringValue == "size check \(tag)")
        #expect(record["system"]?.stringValue == "Be brief.")
        #expect(record["model"]?.stringValue == "qwen2.5-7b-instruct")
        #expect(record["history"] == .array([]))
    }

    // 10. NDJSON.
    @Test("--json: deltas and revisions rebuild the done text", arguments: Server.allCases, ["plain", "TRIGGER_INDENT", "TRIGGER_UNICODE"])
    func jsonEvents(server: Server, kind: String) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let tag = uniqueTag()
        let query = kind == "plain" ? "json 日本 \(tag)" : "\(kind) \(tag)"
        let expected = switch kind {
        case "TRIGGER_INDENT": Scripted.indent
        case "TRIGGER_UNICODE": Scripted.unicode
        default: Scripted.echo(query)
        }
        let result = try await runBinary(binary, ["--url", url, "--json", query])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdout.last == 0x0A, "stdout does not end with a newline")
        var rebuilt = ""
        var done: String?
        var revisions = 0
        var deltas = 0
        for line in result.stdout.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            let event: JSONValue
            do { event = try JSONValue.parse(Array(line)) } catch {
                Issue.record("not JSON: \(String(decoding: line, as: UTF8.self).debugDescription)")
                continue
            }
            #expect(done == nil, "an event after done: \(event.jsonText)")
            switch event["type"]?.stringValue {
            case "delta": rebuilt += event["text"]?.stringValue ?? ""; deltas += 1
            case "revised": rebuilt = event["text"]?.stringValue ?? ""; revisions += 1
            case "done": done = event["text"]?.stringValue
            case "queued", "started": break
            default: Issue.record("unexpected event \(event.jsonText)")
            }
        }
        let doneText = try #require(done, "no done event in \(result.stdoutText)")
        #expect(bytes(rebuilt) == bytes(doneText), "rebuilt \(rebuilt.debugDescription)")
        #expect(bytes(doneText) == bytes(expected), "done \(doneText.debugDescription)")
        #expect(deltas >= 1)
        if kind == "TRIGGER_INDENT" {
            #expect(revisions >= 1, "no revised event for TRIGGER_INDENT")
        }
    }

    // 11. Piped stdin.
    @Test("Text piped to stdin is the message", arguments: Server.allCases)
    func stdinPipe(server: Server) async throws {
        guard let (binary, url) = try setUp(server), let log = try server.requireLog() else { return }
        let tag = uniqueTag()
        let text = "piped 文字 \(tag)"
        let result = try await runBinary(binary, ["--url", url], stdin: bytes(text))
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == Scripted.echo(text) + "\n", "stdout: \(result.stdoutText.debugDescription)")
        let record = try #require(try await loggedRequest(in: log, containing: tag))
        #expect(record["query"]?.stringValue == text)
    }

    @Test("echo text | qwen-chat sends the piped line", arguments: Server.allCases)
    func stdinEchoLine(server: Server) async throws {
        guard let (binary, url) = try setUp(server), let log = try server.requireLog() else { return }
        let tag = uniqueTag()
        let result = try await runBinary(binary, ["--url", url], stdin: bytes("echoed \(tag)\n"))
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let record = try #require(try await loggedRequest(in: log, containing: tag))
        let query = try #require(record["query"]?.stringValue)
        // The piped text, give or take the newline `echo` adds.
        #expect(query == "echoed \(tag)" || query == "echoed \(tag)\n", "query sent: \(query.debugDescription)")
        #expect(result.stdoutText.hasPrefix("Echo from qwen2.5-72B: you said «echoed \(tag)"))
    }

    // 12. Exit codes.
    @Test("A hidden error exits 1 with one line on stderr", arguments: Server.allCases)
    func hiddenErrorExit(server: Server) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let result = try await runBinary(binary, ["--url", url, "TRIGGER_HIDDEN_ERROR \(uniqueTag())"])
        #expect(result.status == 1)
        // Queue notes may come first when the servers are busy; the error itself is one line.
        #expect(result.stderrText.hasSuffix("\n"))
        #expect(result.notes.count == 1, "stderr: \(result.stderrText.debugDescription)")
        let message = try #require(result.notes.first)
        #expect(message.hasPrefix("qwen-chat: "))
        #expect(message.contains("hid the error"), "stderr: \(message)")
        #expect(result.stdout.isEmpty, "stdout: \(result.stdoutText.debugDescription)")
    }

    @Test("Usage errors exit 2", arguments: [
        ["--model", "", "hi"], ["--api-name", "", "hi"], ["--url", "ftp://x", "hi"], ["--bogus", "hi"], ["-x", "hi"],
        ["--retries", "x", "hi"], ["--retries", "99", "hi"], ["--idle-timeout=0", "hi"], ["--markdown", "sometimes", "hi"],
        ["--json=yes", "hi"], ["hi", "--system"], ["--space", "not-a-space", "hi"],
        ["--wait", "3601", "hi"], ["--wait", "-1", "hi"],
    ])
    func usageErrors(arguments: [String]) async throws {
        guard Server.enabled, let binary = try Binary.require() else { return }
        var arguments = arguments
        if !arguments.contains("--url") {
            // Never reach the network even if validation were skipped.
            arguments = ["--url", "http://127.0.0.1:\(try unusedPort())"] + arguments
        }
        let result = try await runBinary(binary, arguments)
        #expect(result.status == 2, "stderr: \(result.stderrText)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.hasPrefix("qwen-chat: "), "stderr: \(result.stderrText)")
        #expect(result.stderrLines.count <= 2, "stderr: \(result.stderrText)")
        #expect(!result.stderrText.contains("Error:") && !result.stderrText.contains("USAGE"), "stderr: \(result.stderrText)")
    }

    @Test("A bad command line is one line, then the pointer to --help", arguments: [
        (["--bogus", "hi"], "unknown option '--bogus'"),
        (["-x", "hi"], "unknown option '-x'"),
        (["--retries", "x", "hi"], "the value 'x' is invalid for '--retries <n>'"),
        (["--retries=99", "hi"], "--retries must be between 0 and 20"),
        (["--idle-timeout=0", "hi"], "--idle-timeout must be between 1 and 86400 seconds"),
        (["hi", "--system"], "missing value for '--system <text>'"),
        (["--space", "not-a-space", "hi"], "'not-a-space' is not a Space id of the form Owner/Name"),
        (["--wait", "-1", "hi"], "--wait must be between 0 and 3600 seconds"),
        (["--wait=3601", "hi"], "--wait must be between 0 and 3600 seconds"),
        (["--retries", "-1", "hi"], "--retries must be between 0 and 20"),
        (["--context-turns", "0", "hi"], "--context-turns must be between 1 and 100"),
        (["--context", "--context-turns=101", "hi"], "--context-turns must be between 1 and 100"),
        (["--context-turns", "-3", "hi"], "--context-turns must be between 1 and 100"),
        (["--context-turns", "many", "hi"], "the value 'many' is invalid for '--context-turns <n>'"),
        (["--markdown", "sometimes", "hi"], "the value 'sometimes' is invalid for '--markdown <when>'. Please provide one of 'auto', 'always' or 'never'"),
        (["--json=yes", "hi"], "the option '--json' does not take any value, but 'yes' was specified"),
        (["--generate-completion-script", "tcsh"],
         "can't generate completion scripts for 'tcsh'. Please use --generate-completion-script=<shell> with one of: zsh bash fish"),
    ])
    func usageMessage(arguments: [String], message: String) async throws {
        guard Server.enabled, let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText == "qwen-chat: \(message)\nRun 'qwen-chat --help' for usage.\n")
    }

    @Test("--generate-completion-script writes a script for bash, zsh and fish", arguments: ["bash", "zsh", "fish"])
    func completionScript(shell: String) async throws {
        guard Server.enabled, let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, ["--generate-completion-script", shell])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stderr.isEmpty)
        let script = result.stdoutText
        // Option names without dashes: fish spells them `-l 'idle-timeout'`.
        for word in ["qwen-chat", "idle-timeout", "no-color", "markdown", "always", "Coder-1.5B"] {
            #expect(script.contains(word), "\(word) missing from the \(shell) script")
        }
        if shell == "bash" {
            #expect(script.contains("complete -o filenames -F"), "\(script.prefix(2000))")
        }
    }

    @Test("The bash completion script completes option names and values")
    func bashCompletion() async throws {
        guard Server.enabled, let binary = try Binary.require(), FileManager.default.isExecutableFile(atPath: "/bin/bash") else { return }
        // Calls the completion function as bash would for `qwen-chat <words><TAB>`.
        let driver = """
        source <("$QC" --generate-completion-script bash)
        t() { COMP_WORDS=(qwen-chat "$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="${COMP_WORDS[*]}"
              COMP_POINT=${#COMP_LINE}; COMPREPLY=()
              _qwen-chat qwen-chat "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"; echo "${COMPREPLY[*]}"; }
        t --mark; t --markdown ""; t --model C; t --idle
        """
        let result = try await runBinary("/bin/bash", ["-c", driver], environment: ["QC": binary])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == "--markdown\nauto always never\nCoder-7B Coder-1.5B\n--idle-timeout\n", "\(result.stdoutText)")
    }

    @Test("--help lists every option and exits 0; --version prints the version")
    func helpAndVersion() async throws {
        guard Server.enabled, let binary = try Binary.require() else { return }
        for flag in ["--help", "-h"] {
            let help = try await runBinary(binary, ["--url", "http://127.0.0.1:9", flag, "never sent"])
            #expect(help.status == 0)
            for option in ["--url <url>", "--space <owner/name>", "--system <text>", "--model <size>", "--token <token>", "--proxy <url>",
                           "--json", "--raw", "--markdown <when>", "--no-color", "--stats", "--retries <n>", "--idle-timeout <seconds>", "--version",
                           "--context", "--context-turns <n>"] {
                #expect(help.stdoutText.contains(option), "\(option) missing from: \(help.stdoutText)")
            }
            #expect(help.stdoutText.split(separator: "\n").allSatisfy { $0.count <= 100 })
            for text in ["USAGE: qwen-chat [<options>] [<prompt> ...]", "Exit codes: 0 ok, 1 upstream or network error, 2 usage error, 130 interrupted",
                         "--generate-completion-script bash|zsh|fish", "Default: the Space's own", "--api-name <name>", "--describe", "(values: auto, always, never; default: auto)"] {
                // The help is wrapped to the terminal's width: compare with the lines joined.
                let flat = help.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                #expect(flat.contains(text), "\(text) missing from: \(help.stdoutText)")
            }
            #expect(help.stderr.isEmpty)
        }
        let version = try await runBinary(binary, ["--version"])
        #expect(version.status == 0 && version.stdoutText.hasPrefix("0.") && version.stdoutText.hasSuffix("\n"))
        #expect(version.stdoutText.split(separator: "\n").count == 1 && version.stderr.isEmpty)
    }

    @Test("--name=value, options after the words, and words after -- that look like options")
    func argumentForms() async throws {
        guard let url = try Server.replica.requireURL(), let binary = try Binary.require() else { return }
        let result = try await runBinary(binary, ["what", "--url=\(url)", "--idle-timeout=30", "is", "--", "--json", "-h"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == Scripted.echo("what is --json -h") + "\n", "stdout: \(result.stdoutText.debugDescription)")
    }

    @Test("Nothing listening exits 1 and names host:port")
    func unreachableExit() async throws {
        guard Server.enabled, let binary = try Binary.require() else { return }
        let port = try unusedPort()
        let result = try await runBinary(binary, ["--url", "http://127.0.0.1:\(port)", "hi"])
        #expect(result.status == 1, "stderr: \(result.stderrText)")
        #expect(result.stderrText.contains("127.0.0.1:\(port)"), "stderr: \(result.stderrText)")
        #expect(result.stdout.isEmpty)
    }

    @Test("SIGINT during a slow reply exits 130 and keeps the partial reply", arguments: Server.allCases)
    func sigint(server: Server) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let run = try BinaryRun(binary, ["--url", url, "TRIGGER_SLOW \(uniqueTag())"])
        let started = await run.wait(upTo: .seconds(20)) { !run.stdoutSoFar.isEmpty }
        if !started {
            kill(run.pid, SIGKILL)
            _ = try? await run.finish(timeout: .seconds(5))
            Issue.record("no stdout within 20 s")
            return
        }
        kill(run.pid, SIGINT)
        let result = try await run.finish(timeout: .seconds(10))
        #expect(result.status == 130, "stderr: \(result.stderrText)")
        let out = result.stdoutText
        #expect(out.hasSuffix("\n"), "partial reply not ended with a newline: \(out.debugDescription)")
        let partial = out.hasSuffix("\n") ? String(out.dropLast()) : out
        #expect(!partial.isEmpty)
        #expect(Scripted.slow.hasPrefix(partial), "stdout is not a prefix of the slow reply: \(out.debugDescription)")
        #expect(partial.utf8.count < Scripted.slow.utf8.count)
    }

    // 13. Terminal injection.
    @Test("TRIGGER_INJECT: controls are shown as pictures; --raw passes them through", arguments: Server.allCases)
    func injection(server: Server) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let safe = try await runBinary(binary, ["--url", url, "TRIGGER_INJECT \(uniqueTag())"])
        #expect(safe.status == 0, "stderr: \(safe.stderrText)")
        #expect(!safe.stdout.contains(0x1B), "ESC on stdout")
        #expect(!safe.stdout.contains(0x07), "BEL on stdout")
        #expect(!safe.stdout.contains(0x7F), "DEL on stdout")
        #expect(!safe.stdout.contains(0x0D), "CR on stdout")
        #expect(!safe.stdoutText.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }, "C1 control on stdout")
        #expect(!safe.stdoutText.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        #expect(safe.stdoutText.contains("\u{241B}[2J"), "ESC not shown as ␛: \(safe.stdoutText.debugDescription)")
        #expect(safe.stdoutText.contains("\u{240D}OVERWRITE"), "bare CR not shown as ␍")
        #expect(safe.stdoutText.hasPrefix("Normal start. Clear:"))
        #expect(safe.stdoutText.hasSuffix("Normal end.\n"))

        let raw = try await runBinary(binary, ["--url", url, "--raw", "TRIGGER_INJECT \(uniqueTag())"])
        #expect(raw.status == 0, "stderr: \(raw.stderrText)")
        #expect(raw.stdout == bytes(Scripted.inject + "\n"), "raw stdout: \(raw.stdoutText.debugDescription)")
    }

    // 14. Revisions through a pipe.
    @Test("TRIGGER_INDENT and TRIGGER_LEADING_BLANK print exactly the final text", arguments: Server.allCases, ["TRIGGER_INDENT", "TRIGGER_LEADING_BLANK"])
    func revisedTextThroughBinary(server: Server, trigger: String) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let result = try await runBinary(binary, ["--url", url, "\(trigger) \(uniqueTag())"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let expected = trigger == "TRIGGER_INDENT" ? Scripted.indent : Scripted.leadingBlank
        #expect(result.stdout == bytes(expected + "\n"), "stdout: \(result.stdoutText.debugDescription)")
        #expect(result.notes.isEmpty, "stderr: \(result.stderrText)")
    }

    @Test("TRIGGER_UNICODE prints byte-exact text", arguments: Server.allCases)
    func unicodeThroughBinary(server: Server) async throws {
        guard let (binary, url) = try setUp(server) else { return }
        let result = try await runBinary(binary, ["--url", url, "TRIGGER_UNICODE \(uniqueTag())"])
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdout == bytes(Scripted.unicode + "\n"), "stdout: \(result.stdoutText.debugDescription)")
    }
}
