import ChatCore
import GradioClient

/// The command line. Parsing only: `main.swift` decides what to run.
///
/// Read by a small table-driven parser rather than swift-argument-parser, whose reflection
/// over the options took about 3 ms of a 4 ms start.
struct ChatOptions {
    static let version = "0.1.0"

    var prompt: [String] = []
    var url: String?
    var space: String?
    var system = QwenSpace.defaultSystemPrompt
    var model = QwenSpace.defaultModelSize
    var token: String?
    var proxy: String?
    var json = false
    var raw = false
    var markdown = MarkdownMode.auto
    var noColor = false
    var stats = false
    var retries = 3
    var idleTimeout = 60

    enum MarkdownMode: String, CaseIterable {
        case auto, always, never
    }

    /// What the command line asks for.
    enum Request {
        case run(ChatOptions)
        case help
        case version
    }

    /// A command line that cannot be run; `description` is the one-line message.
    struct UsageError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    var retryPolicy: RetryPolicy { RetryPolicy(maxRetries: retries) }

    func colorEnabled(environment: [String: String]) -> Bool {
        !noColor && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }

    func markdownEnabled(stdoutIsTerminal: Bool) -> Bool {
        switch markdown {
        case .auto: stdoutIsTerminal
        case .always: true
        case .never: false
        }
    }

    // MARK: Parsing

    private struct Option: Sendable {
        var name: String
        /// Nil for a flag.
        var valueName: String?
        var help: String
        var apply: @Sendable (inout ChatOptions, String) throws(UsageError) -> Void
    }

    private static func integer(_ text: String, _ option: String) throws(UsageError) -> Int {
        guard let value = Int(text) else { throw UsageError("the value '\(text)' is invalid for '\(option)'") }
        return value
    }

    private static let options: [Option] = [
        Option(name: "url", valueName: "url", help: "The Space's root URL.") { o, v in o.url = v },
        Option(name: "space", valueName: "owner/name", help: "A Space id, Owner/Name; maps to https://owner-name.hf.space.") { o, v in o.space = v },
        Option(name: "system", valueName: "text", help: "The system prompt. (default: \(QwenSpace.defaultSystemPrompt))") { o, v in o.system = v },
        Option(name: "model", valueName: "size", help: "Model size: \(QwenSpace.modelSizes.joined(separator: ", ")). (default: \(QwenSpace.defaultModelSize))") { o, v in o.model = v },
        Option(name: "token", valueName: "token", help: "A Hugging Face token for private Spaces (default: $HF_TOKEN). Never printed.") { o, v in o.token = v },
        Option(name: "proxy", valueName: "url", help: "An http:// proxy URL (default: from HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY).") { o, v in o.proxy = v },
        Option(name: "json", help: "Write NDJSON events (queued, started, delta, revised, done, error) instead of text.") { o, _ in o.json = true },
        Option(name: "raw", help: "Write the model's bytes unfiltered, control characters included.") { o, _ in o.raw = true },
        Option(name: "markdown", valueName: "when", help: "Markdown styling of replies: auto (on for a terminal), always or never. (default: auto)") { o, v throws(UsageError) in
            guard let mode = MarkdownMode(rawValue: v) else {
                throw UsageError("the value '\(v)' is invalid for '--markdown'; choose auto, always or never")
            }
            o.markdown = mode
        },
        Option(name: "no-color", help: "No colours or styles (also when NO_COLOR is set).") { o, _ in o.noColor = true },
        Option(name: "stats", help: "Show elapsed time and characters per second after each reply.") { o, _ in o.stats = true },
        Option(name: "retries", valueName: "n", help: "How often to wait and retry while the Space is busy or asleep. (default: 3)") { o, v throws(UsageError) in
            o.retries = try integer(v, "--retries")
        },
        Option(name: "idle-timeout", valueName: "seconds", help: "Seconds without any byte from the Space before giving up. (default: 60)") { o, v throws(UsageError) in
            o.idleTimeout = try integer(v, "--idle-timeout")
        },
    ]

    /// Reads the arguments (without the program name): `--name value`, `--name=value`, flags,
    /// and prompt words anywhere (all of them after `--`).
    static func parse(_ arguments: [String]) throws(UsageError) -> Request {
        var parsed = ChatOptions()
        var index = 0
        var onlyWords = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyWords || !argument.hasPrefix("-") || argument == "-" {
                parsed.prompt.append(argument)
                continue
            }
            if argument == "--" {
                onlyWords = true
                continue
            }
            if argument == "-h" || argument == "--help" { return .help }
            if argument == "--version" { return .version }
            guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let option = options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '--\(name)'")
            }
            if option.valueName == nil {
                guard inlineValue == nil else { throw UsageError("'--\(name)' takes no value") }
                try option.apply(&parsed, "")
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw UsageError("missing value for '--\(name) <\(option.valueName!)>'")
                }
                value = arguments[index]
                index += 1
            }
            try option.apply(&parsed, value)
        }
        try parsed.validate()
        return .run(parsed)
    }

    private mutating func validate() throws(UsageError) {
        guard let size = QwenSpace.canonicalModelSize(model) else {
            throw UsageError("unknown model size '\(model)'; choose one of \(QwenSpace.modelSizes.joined(separator: " "))")
        }
        model = size
        if url != nil, space != nil {
            throw UsageError("give --url or --space, not both")
        }
        if let space, QwenSpace.url(forSpaceID: space) == nil {
            throw UsageError("'\(space)' is not a Space id of the form Owner/Name")
        }
        guard (0...20).contains(retries) else { throw UsageError("--retries must be between 0 and 20") }
        guard (1...86_400).contains(idleTimeout) else { throw UsageError("--idle-timeout must be between 1 and 86400 seconds") }
    }

    // MARK: Help

    static var help: String {
        var text = """
        OVERVIEW: Chat with the Qwen 2.5 models of the Hugging Face Space Qwen/Qwen2.5
        from a terminal.

        With no message and a terminal on standard input, starts the interactive chat
        (/help lists its commands). With prompt words, or with text on standard input,
        sends one turn and streams the reply to standard output. Environment:
        QWEN_CHAT_URL (like --url), HF_TOKEN (like --token), HTTPS_PROXY / HTTP_PROXY /
        NO_PROXY (like --proxy), SSL_CERT_FILE (CA certificates to trust).
        Exit codes: 0 ok, 1 upstream or network error, 2 usage error, 130 interrupted.

        USAGE: qwen-chat [<options>] [<prompt> ...]

        ARGUMENTS:
          <prompt>                The message to send. Without it, standard input is
                                  read when it is not a terminal.

        OPTIONS:

        """
        let rows = options.map { option in ("--" + option.name + (option.valueName.map { " <\($0)>" } ?? ""), option.help) }
            + [("--version", "Show the version."), ("-h, --help", "Show help information.")]
        for (name, help) in rows {
            let lines = wrap(help, width: 54)
            if name.count > 22 {
                text += "  \(name)\n"
                for line in lines { text += String(repeating: " ", count: 26) + line + "\n" }
            } else {
                for (number, line) in lines.enumerated() {
                    let lead = number == 0 ? "  " + name + String(repeating: " ", count: 24 - name.count) : String(repeating: " ", count: 26)
                    text += lead + line + "\n"
                }
            }
        }
        return text
    }

    private static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
