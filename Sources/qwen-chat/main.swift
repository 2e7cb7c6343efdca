import ChatCore
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GradioClient
import Synchronization
import TerminalRendering

// Wiring only: parse, pick the Space, run one turn on a task while the main thread watches
// for Ctrl-C, and exit with the turn's code.

InterruptFlag.install()

let options: ChatOptions
do {
    switch try ChatOptions.read(Array(CommandLine.arguments.dropFirst())) {
    case .run(let parsed):
        options = parsed
    case .show(let text):
        FileDescriptorOutput.standardOutput.write(TerminalText(untrusted: text))
        exit(0)
    }
} catch {
    FileDescriptorOutput.standardError.write("qwen-chat: \(line: "\(error)")\nRun 'qwen-chat --help' for usage.\n")
    exit(2)
}

/// One line on stderr, whatever the message holds (it may quote the Space), and the exit code.
func fail(_ message: String, code: Int32) -> Never {
    FileDescriptorOutput.standardError.write("qwen-chat: \(line: message)\n")
    exit(code)
}

let environment = ProcessInfo.processInfo.environment
func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
let launch: LaunchTarget
do {
    launch = try LaunchTarget.decide(url: options.url, space: options.space, environmentURL: nonEmpty("QWEN_CHAT_URL"),
                                     hubEndpoint: nonEmpty("HF_ENDPOINT"))
} catch {
    fail(error.description, code: 2)
}
let (spaceID, givenRoot, rootParts, hubEndpoint) = (launch.spaceID, launch.url, launch.root, launch.hubEndpoint)

var userTurn: String?
if options.describe {
    // Nothing to send: the description only.
} else if !options.prompt.isEmpty {
    userTurn = options.prompt.joined(separator: " ")
} else if isatty(0) == 0 {
    let data = FileDescriptorOutput.readAll(fd: 0)
    // `echo text | qwen-chat` sends "text", not "text\n".
    var text = String(decoding: data, as: UTF8.self)
    while text.last?.isNewline == true { text.removeLast() }
    userTurn = text
}
if let userTurn, userTurn.allSatisfy(\.isWhitespace) {
    fail("the message is empty", code: 2)
}

let proxy: ProxySettings?
do {
    proxy = try ProxySettings.resolve(target: rootParts, explicit: options.proxy, environment: environment)
} catch {
    fail("\(error)", code: 2)
}
let transport = AsyncHTTPClientTransport(
    proxy: proxy,
    idleTimeout: .seconds(options.idleTimeout),
    // A whole answer other than the stream (the config, a join): a trickle cannot keep it alive.
    requestTimeout: .seconds(max(30, 2 * options.idleTimeout)),
    trustedCertificatesFile: nonEmpty("SSL_CERT_FILE")
)
// --auth USER[:PASSWORD] (or QWEN_CHAT_AUTH): without a password it is asked for, without echo.
var login: GradioLogin?
if let auth = options.auth ?? nonEmpty("QWEN_CHAT_AUTH") {
    guard let (user, password) = LaunchTarget.login(auth) else { fail("--auth needs a user name: USER[:PASSWORD]", code: 2) }
    if let password {
        login = GradioLogin(username: user, password: password)
    } else {
        switch TerminalControl.readSecret(prompt: "password for \(line: user, width: 60) at \(line: rootParts.host, width: 80): ") {
        case .typed(let typed): login = GradioLogin(username: user, password: typed)
        case .interrupted: fail("interrupted", code: 130)
        case .none: fail("--auth \(user) has no password and none was typed (no terminal, or Ctrl-D): give USER:PASSWORD (or QWEN_CHAT_AUTH)", code: 2)
        }
    }
}
let targets = SpaceTargets(transport: transport, explicitToken: options.token, environmentToken: nonEmpty("HF_TOKEN"),
                           hubEndpoint: hubEndpoint, userAgent: "qwen-chat/\(ChatOptions.version)", limits: options.limits,
                           login: login.map { ($0, for: rootParts) })
let target: ChatService.Target
do {
    target = try targets.target(spaceID: spaceID, url: givenRoot)
} catch {
    fail(error.description, code: 2)
}
let root = target.client.root
let color = options.colorEnabled(environment: environment)
TerminalControl.saveStartupModes()
WindowSizeFlag.install()

var settings = ChatSettings()
// What the command line does not give stays nil: the Space's own.
settings.systemPrompt = options.systemText
settings.showStats = options.stats
settings.context = options.context
settings.contextTurns = options.contextTurns
settings.thinking = options.thinking
let service = ChatService(target: target, retry: options.retryPolicy, waitBudget: Double(options.waitSeconds), apiName: options.apiName)

/// Runs `body` on a task while this (main) thread waits, calling `tick` about every `interval`
/// milliseconds; Ctrl-C cancels the task. Returns its result and whether it was cancelled.
/// Ctrl-C always wins: a second Ctrl-C (or SIGTERM/SIGHUP) after the first, or a cancel the
/// task does not finish within 3 s, calls `abandon` and exits 130 without waiting for it.
func waitFor<T: Sendable>(
    tickEvery interval: Int = 50, tick: () -> Void = {}, abandon: () -> Void = {}, _ body: @escaping @Sendable () async throws -> T
) -> (result: Result<T, any Error>, cancelled: Bool) {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    let task = Task.detached {
        let value: Result<T, any Error>
        do { value = .success(try await body()) } catch { value = .failure(error) }
        result.withLock { $0 = value }
        done.signal()
    }
    var cancelled: (at: ContinuousClock.Instant, interrupts: Int, terminated: Bool)?
    while done.wait(timeout: .now() + .milliseconds(interval)) == .timedOut {
        let interrupts = InterruptFlag.sigint.load(ordering: .relaxed)
        let terminated = InterruptFlag.sigterm.load(ordering: .relaxed)
        if let first = cancelled {
            if interrupts > first.interrupts || (terminated && !first.terminated) || first.at.duration(to: .now) > .seconds(3) {
                abandon()
                fail("interrupted", code: InterruptFlag.sigterm.load(ordering: .relaxed) ? 143 : 130)
            }
        } else if InterruptFlag.interrupted {
            cancelled = (.now, interrupts, terminated)
            task.cancel()
        }
        tick()
    }
    let wasCancelled = cancelled != nil
    return (result.withLock { $0 }!, wasCancelled)
}

// `--describe`, and `--model` checked against the choices the Space offers: both need the config.
if options.describe || options.model != nil {
    let space: SpaceEndpoint
    // The waits for a sleeping or building Space, and retries, as plain lines on stderr.
    let waits: @Sendable (TurnDriver.Event) -> Void = { event in
        switch event {
        case .waiting, .retrying: if let status = event.status { FileDescriptorOutput.standardError.write("qwen-chat: \(line: status)\n") }
        default: break
        }
    }
    // The Hub's word on the hardware, asked beside the config (for --describe only).
    let hardware = options.describe ? Task.detached { await service.readHardware() } : nil
    switch waitFor({ try await service.discover(post: waits) }).result {
    case .success(let found): space = found
    case .failure(let error):
        if InterruptFlag.interrupted { fail("interrupted", code: 130) }
        fail("\(error)", code: 1)
    }
    if options.describe {
        FileDescriptorOutput.standardOutput.write("url: \(URLParts.redacting(root))\n")
        if case .success(let name?) = waitFor({ await hardware?.value }).result {
            FileDescriptorOutput.standardOutput.write("hardware: \(line: SpaceHub.describe(hardware: name))\n")
        }
        FileDescriptorOutput.standardOutput.write("\(space.description)\n")
        exit(0)
    }
    settings.modelChoices = space.chat.modelChoices ?? []
    if let model = options.model {
        do {
            settings.modelSize = try space.model(for: model)
        } catch {
            fail(error.description, code: 2)
        }
    }
}

guard let userTurn else {
    // No message and a terminal on stdin: the interactive chat.
    settings.markdown = options.markdownEnabled(stdoutIsTerminal: isatty(1) == 1)
    let chat = InteractiveChat(service: service, targets: targets, settings: settings, color: color, environment: environment)
    exit(chat.run())
}

let stdoutIsTerminal = isatty(1) == 1
let live: LiveReply? = stdoutIsTerminal && !options.json && !options.raw
    ? LiveReply(options: RenderOptions(color: color, markdown: options.markdownEnabled(stdoutIsTerminal: true), width: TerminalControl.width(), height: TerminalControl.height()),
                thinking: options.thinking)
    : nil
let output = BufferedOutput(.standardOutput)
let chat = OneShotChat(
    service: service,
    userTurn: userTurn,
    settings: settings,
    json: options.json,
    raw: options.raw,
    live: live,
    stdout: output
)

if live != nil { TerminalControl.suppressEcho() }
/// The end of the turn, and what a forced exit (a second Ctrl-C) keeps: the text so far, the
/// terminal as it was.
func restoreTerminal() {
    output.flush()
    if let live {
        live.drawFrame()
        live.finish()
        TerminalControl.restoreInput()
        TerminalControl.restoreAll()
    }
}
let (outcome, cancelled) = waitFor(tickEvery: 16, tick: {
    live?.drawFrame()
    output.flush()
}, abandon: restoreTerminal) { await chat.run() }
restoreTerminal()
if live != nil { chat.writeHeldNotes() }
let code = (try? outcome.get()) ?? 1
exit(cancelled && code != 0 ? 130 : code)
