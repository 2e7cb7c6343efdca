import ArgumentParser
import ChatCore
import GradioClient

/// The command line. Parsing only: `main.swift` decides what to run.
struct ChatOptions: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "qwen-chat",
        abstract: "Chat with the Qwen 2.5 models of the Hugging Face Space Qwen/Qwen2.5 from a terminal.",
        discussion: """
        With no message and a terminal on standard input, starts the interactive chat (/help lists \
        its commands). With prompt words, or with text on standard input, sends one turn and \
        streams the reply to standard output. Environment: QWEN_CHAT_URL (like --url), HF_TOKEN (like --token), \
        HTTPS_PROXY / HTTP_PROXY / NO_PROXY (like --proxy).
        Exit codes: 0 ok, 1 upstream or network error, 2 usage error, 130 interrupted.
        """,
        version: version
    )

    @Argument(help: "The message to send. Without it, standard input is read when it is not a terminal.")
    var prompt: [String] = []

    @Option(help: ArgumentHelp("The Space's root URL.", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("A Space id, Owner/Name; maps to https://owner-name.hf.space.", valueName: "owner/name"))
    var space: String?

    @Option(help: ArgumentHelp("The system prompt.", valueName: "text"))
    var system: String = QwenSpace.defaultSystemPrompt

    @Option(help: ArgumentHelp("Model size: \(QwenSpace.modelSizes.joined(separator: ", ")).", valueName: "size"))
    var model: String = QwenSpace.defaultModelSize

    @Option(help: ArgumentHelp("A Hugging Face token for private Spaces (default: $HF_TOKEN). Never printed.", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("An http:// proxy URL (default: from HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY).", valueName: "url"))
    var proxy: String?

    @Flag(help: "Write NDJSON events (queued, started, delta, revised, done, error) instead of text.")
    var json = false

    @Flag(help: "Write the model's bytes unfiltered, control characters included.")
    var raw = false

    @Option(help: ArgumentHelp("Markdown styling of replies: auto (on for a terminal), always or never.", valueName: "when"))
    var markdown: MarkdownMode = .auto

    @Flag(help: "No colours or styles (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "Show elapsed time and characters per second after each reply.")
    var stats = false

    @Option(help: ArgumentHelp("How often to wait and retry while the Space is busy or asleep.", valueName: "n"))
    var retries: Int = 3

    @Option(help: ArgumentHelp("Seconds without any byte from the Space before giving up.", valueName: "seconds"))
    var idleTimeout: Int = 60

    enum MarkdownMode: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
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
        guard let size = QwenSpace.canonicalModelSize(model) else {
            throw ValidationError("unknown model size '\(model)'; choose one of \(QwenSpace.modelSizes.joined(separator: " "))")
        }
        model = size
        if url != nil, space != nil {
            throw ValidationError("give --url or --space, not both")
        }
        if let space, QwenSpace.url(forSpaceID: space) == nil {
            throw ValidationError("'\(space)' is not a Space id of the form Owner/Name")
        }
        guard (0...20).contains(retries) else { throw ValidationError("--retries must be between 0 and 20") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be a positive number of seconds") }
    }
}
