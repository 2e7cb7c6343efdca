import ArgumentParser
import ChatCore
import GradioClient

/// The command line, read by swift-argument-parser. Parsing only: `main.swift` decides what to run.
struct ChatOptions: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "qwen-chat",
        abstract: "Chat with the Qwen 2.5 models of the Hugging Face Space Qwen/Qwen2.5, or any Gradio chat Space, from a terminal.",
        discussion: """
        With no message and a terminal on standard input, starts the interactive chat (/help lists \
        its commands). With prompt words, or with text on standard input, sends one turn and \
        streams the reply to standard output.

        Environment: QWEN_CHAT_URL (like --url), QWEN_CHAT_AUTH (like --auth), HF_TOKEN (like --token, but sent only to the \
        Hub and to *.hf.space hosts), HF_ENDPOINT (the Hub, default https://huggingface.co), HTTPS_PROXY / \
        HTTP_PROXY / ALL_PROXY / NO_PROXY (like --proxy), SSL_CERT_FILE (CA certificates to \
        trust), NO_COLOR (like --no-color), VISUAL / EDITOR (for /edit).

        Exit codes: 0 ok, 1 upstream or network error, 2 usage error, 130 interrupted.

        Shell completion: qwen-chat --generate-completion-script bash|zsh|fish
        """,
        version: version
    )

    @Argument(help: "The message to send. Without it, standard input is read when it is not a terminal.")
    var prompt: [String] = []

    @Option(help: ArgumentHelp("The Space's root URL. (default: $QWEN_CHAT_URL, else \(QwenSpace.defaultURL))", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("A Space id, Owner/Name; maps to https://owner-name.hf.space (--url overrides the host). The Hub is asked whether it is asleep, building or paused.", valueName: "owner/name"))
    var space: String?

    // Unconditional, so that "--wait -1" says the range rather than "missing value".
    @Option(name: .customLong("wait"), parsing: .unconditional, help: ArgumentHelp("Seconds to wait for a Space that is asleep or building (0-3600; 0: do not wait).", valueName: "seconds"))
    var waitSeconds = 120

    // Free text: the next word is the value even when it starts with a dash ("- Answer briefly").
    @Option(name: .customLong("system"), parsing: .unconditional, help: ArgumentHelp("The system prompt (default: the Space's own).", valueName: "text"))
    var systemText: String?

    @Option(
        help: ArgumentHelp("The model: one of the Space's choices (on Qwen/Qwen2.5: \(QwenSpace.modelSizes.joined(separator: ", "))). Default: the Space's own.", valueName: "size"),
        completion: .list(QwenSpace.modelSizes)
    )
    var model: String?

    @Option(help: ArgumentHelp("Call this endpoint of the Space instead of the chat endpoint found in its config.", valueName: "name"))
    var apiName: String?

    @Flag(help: "Show the Space's Gradio version, chat endpoint and inputs, and how each is filled; then exit.")
    var describe = false

    @Option(help: ArgumentHelp("A Hugging Face token for private Spaces, sent to the Space's host and the Hub (default: $HF_TOKEN, sent only to the Hub and *.hf.space). Never printed.", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("Log in to an app launched with Gradio's auth=: USER:PASSWORD, or USER to be asked for the password (default: $QWEN_CHAT_AUTH). Sent only to the --url / --space host; never printed.", valueName: "user[:password]"))
    var auth: String?

    @Option(help: ArgumentHelp("An http:// proxy URL (default: from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, honouring NO_PROXY).", valueName: "url"))
    var proxy: String?

    @Flag(help: "Write NDJSON events (queued, started, waiting, retrying, thinking, delta, revised, done, error) instead of text.")
    var json = false

    @Flag(help: "Write the model's bytes unfiltered, control characters included.")
    var raw = false

    @Option(help: ArgumentHelp("Markdown styling of replies: auto (on for a terminal), always or never.", valueName: "when"))
    var markdown = MarkdownMode.auto

    @Flag(help: "No colours or styles (also when NO_COLOR is set).")
    var noColor = false

    @Option(help: ArgumentHelp("How a model's reasoning shows on a terminal: collapse (streamed, then one line), show (kept in full) or hide (one line). It is never part of the answer on a pipe.", valueName: "how"))
    var thinking = ThinkingDisplay.collapse

    @Flag(help: "Show elapsed time and characters per second after each reply.")
    var stats = false

    @Flag(help: "Send the earlier turns of the chat as the Space's chatbot history (like /context on); off: only the system prompt and the latest message.")
    var context = false

    @Option(parsing: .unconditional, help: ArgumentHelp("With --context or /context on, send at most this many earlier turns (1-100).", valueName: "n"))
    var contextTurns = 10

    // Unconditional, so that "--retries -1" says the range rather than "missing value".
    @Option(parsing: .unconditional, help: ArgumentHelp("How often to wait and retry while the Space is busy or asleep (0-20).", valueName: "n"))
    var retries = 3

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds without any byte from the Space before giving up (1-86400).", valueName: "seconds"))
    var idleTimeout = 60

    @Option(help: ArgumentHelp("Give up on a reply larger than this, keeping what arrived: bytes, or with K, M or G (1K-4G; default 64M).", valueName: "size"))
    var maxReply = ByteSize(64 << 20)

    enum MarkdownMode: String, CaseIterable, ExpressibleByArgument {
        case auto, always, never
    }

    /// `64M`, `512K`, `1G` or a plain number of bytes.
    struct ByteSize: ExpressibleByArgument {
        var bytes: Int
        init(_ bytes: Int) { self.bytes = bytes }
        init?(argument: String) {
            let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
            var digits = Substring(argument.uppercased())
            if digits.hasSuffix("B") { digits = digits.dropLast() }
            let multiplier = digits.last.flatMap { multipliers[$0] } ?? 1
            if multiplier > 1 { digits = digits.dropLast() }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits),
                  case (let product, false) = value.multipliedReportingOverflow(by: multiplier) else { return nil }
            bytes = product
        }
        var defaultValueDescription: String { GradioLimits.size(bytes) }
    }

    var limits: GradioLimits {
        GradioLimits(maximumOutputBytes: maxReply.bytes, eventIdleTimeout: .seconds(idleTimeout))
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

    mutating func validate() throws {
        if let model, model.allSatisfy(\.isWhitespace) { throw ValidationError("--model needs a size") }
        if let apiName, apiName.isEmpty || apiName == "/" { throw ValidationError("--api-name needs an endpoint name") }
        if let space, QwenSpace.url(forSpaceID: space) == nil {
            throw ValidationError("'\(space)' is not a Space id of the form Owner/Name")
        }
        guard (0...20).contains(retries) else { throw ValidationError("--retries must be between 0 and 20") }
        guard ChatSettings.contextTurnsRange.contains(contextTurns) else { throw ValidationError("--context-turns must be between 1 and 100") }
        guard (0...3600).contains(waitSeconds) else { throw ValidationError("--wait must be between 0 and 3600 seconds") }
        guard (1...86_400).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be between 1 and 86400 seconds") }
        guard (1 << 10...4 << 30).contains(maxReply.bytes) else { throw ValidationError("--max-reply must be between 1K and 4G") }
    }

    // MARK: Reading the command line

    /// What the command line asks for.
    enum Request {
        case run(ChatOptions)
        /// `--help`, `--version` or `--generate-completion-script`: this text on stdout, exit 0.
        case show(String)
    }

    /// A command line that cannot be run; `description` is the one-line message.
    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the arguments (without the program name). ArgumentParser's own errors are several
    /// lines with the usage; ours are one line, like every other error of qwen-chat.
    static func read(_ arguments: [String]) throws(UsageError) -> Request {
        do {
            return .run(try parse(arguments))
        } catch {
            if exitCode(for: error) == .success {
                let text = fullMessage(for: error)
                return .show(text.hasSuffix("\n") ? text : text + "\n")
            }
            throw UsageError(description: oneLine(message(for: error)))
        }
    }

    /// Joins the lines of a message, starts it in lower case and drops a final full stop, as
    /// qwen-chat's messages do ("Unknown option '-x'" becomes "unknown option '-x'"; "URL ..." stays).
    static func oneLine(_ message: String) -> String {
        var text = message.split(whereSeparator: \.isNewline)
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
        if let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase == true {
            text = first.lowercased() + text.dropFirst()
        }
        if text.hasSuffix("."), !text.hasSuffix("..") { text.removeLast() }
        return text.isEmpty ? "invalid command line" : text
    }
}

extension ThinkingDisplay: ExpressibleByArgument {}
