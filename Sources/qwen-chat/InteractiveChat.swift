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
import LineEditor
import Synchronization
import TerminalRendering

/// The interactive session: the line editor on the main thread, each request on a task, and
/// a frame tick that draws the streaming reply and watches for Ctrl-C.
final class InteractiveChat {
    private let service: ChatService
    /// Builds the target of `/space`.
    private let targets: SpaceTargets
    private let editor: LineEditor
    private var controller: ChatController
    private let sessions: SessionFile?
    private let files: ChatFiles
    private let environment: [String: String]
    private let color: Bool
    private let out = FileDescriptorOutput.standardOutput
    private var live: LiveReply?
    /// The request asked for by the last `.send`, started once the actions are performed.
    private var pendingRequest: Request?
    /// Whether the controller has the current Space's own defaults (from its config).
    private var adoptedSpace = false
    private typealias Request = (userTurn: String, systemPrompt: String?, modelSize: String?, context: [ChatExchange])
    private var runningRequest: Task<Void, Never>?
    /// Set when a second Ctrl-C (or SIGTERM/SIGHUP) during a reply asks to leave at once.
    private var exitCode: Int32?

    init(service: ChatService, targets: SpaceTargets, settings: ChatSettings, color: Bool, environment: [String: String]) {
        self.service = service
        self.targets = targets
        self.environment = environment
        self.color = color
        // Qwen's sizes and defaults only where the Space is Qwen2.5: any other Space's are its
        // own, known once its config is read.
        controller = ChatController(settings: settings)
        if QwenSpace.isHost(of: service.client.root) { controller.knowSpace(QwenSpace.spaceDefaults, modelChoices: QwenSpace.modelSizes) }
        let history = HistoryStore.fromEnvironment(environment)
        editor = LineEditor(programName: "qwen-chat", history: history)
        editor.continuationPrompt = "… "
        editor.completer = { [service] line, cursor in
            // libedit prints the candidates as they are: only choices that are plain text.
            let choices = service.currentSpace?.chat.modelChoices?.filter { TerminalText.line($0).text == $0 }
            return SlashCommand.completions(line: line, cursor: cursor, modelChoices: choices)
        }
        let sessionDirectory = SessionFile.defaultDirectory(environment: environment)
        sessions = sessionDirectory.map { SessionFile(directory: $0) }
        files = ChatFiles(store: PosixFileStore(home: environment["HOME"]), sessionDirectory: sessionDirectory)
    }

    /// Runs until `/quit` or Ctrl-D and returns the exit code.
    func run() -> Int32 {
        if let warning = editor.takeHistoryWarning() { showError(warning.message) }
        // Another Space's model is not known until its config is read: none is named.
        let model = controller.modelInUse.map { QwenSpace.displayName(ofModel: $0) + " at " } ?? ""
        show("qwen-chat \(ChatOptions.version) · \(model)\(service.spaceText) · /help for commands, Ctrl-D to leave")
        defer {
            sessions?.close()
            editor.restoreTerminal()
            TerminalControl.restoreAll()
        }
        service.warmUp()
        while controller.state != .exiting, exitCode == nil {
            if InterruptFlag.sigterm.load(ordering: .relaxed) { break }
            editor.prompt = promptText()
            let input: ChatController.Input
            InterruptFlag.atPrompt.store(true, ordering: .relaxed)
            let result = editor.readLine()
            InterruptFlag.atPrompt.store(false, ordering: .relaxed)
            switch result {
            case .line(let text):
                editor.addHistory(text)
                input = .line(text)
            case .interrupted:
                input = .interrupt
            case .endOfFile:
                input = .endOfInput
            }
            adoptSpace()
            perform(controller.handle(input, now: Self.now()))
            if let request = pendingRequest {
                pendingRequest = nil
                streamReply(request)
            }
        }
        if let exitCode { return exitCode }
        return InterruptFlag.sigterm.load(ordering: .relaxed) ? 143 : 0
    }

    private func promptText() -> String {
        // A Space with no model choice, or another Space whose config is not read yet: no
        // model to name.
        let shown = controller.settings.modelChoices.isEmpty && controller.spaceDefaults != nil ? nil : controller.modelInUse
        let label = (shown.map { TerminalText.line($0, width: 30).text } ?? "") + "›"
        return color ? "\u{1B}[1;36m\(label)\u{1B}[0m " : label + " "
    }

    // MARK: - Streaming

    /// Runs the request asked for by `.send` until it ends, drawing frames and turning Ctrl-C
    /// into the controller's interrupt (which answers `.cancelReply`).
    private func streamReply(_ request: Request) {
        let inbox = Mutex<[ChatController.Input]>([])
        // Notes wait until the reply is drawn, so they do not tear the live block.
        let notes = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        let service = self.service
        let think = controller.settings.think
        runningRequest = Task.detached {
            let end = await service.run(userTurn: request.userTurn, systemPrompt: request.systemPrompt, modelSize: request.modelSize,
                                        history: request.context, thinking: think) { event in
                if let input = event.input {
                    inbox.withLock { $0.append(input) }
                } else if case .note(let note) = event {
                    notes.withLock { $0.append(note) }
                }
            }
            inbox.withLock { $0.append(end) }
            done.signal()
        }
        live = LiveReply(options: RenderOptions(color: color, markdown: controller.settings.markdown && color, width: TerminalControl.width(), height: TerminalControl.height()),
                         thinking: controller.settings.thinking)
        live?.status("waiting for the Space…")
        TerminalControl.suppressEcho()
        let interruptsBefore = InterruptFlag.sigint.load(ordering: .relaxed)
        var interruptSent: (at: ContinuousClock.Instant, interrupts: Int, terminated: Bool)?
        while case .streaming = controller.state {
            _ = done.wait(timeout: .now() + .milliseconds(16))
            let interrupts = InterruptFlag.sigint.load(ordering: .relaxed)
            let terminated = InterruptFlag.sigterm.load(ordering: .relaxed)
            if let first = interruptSent {
                // Ctrl-C always wins: a request that does not end within 3 s of it is left
                // behind, its reply kept as interrupted; a second signal also leaves the chat.
                let again = interrupts > first.interrupts || (terminated && !first.terminated)
                if again || first.at.duration(to: .now) > .seconds(3) {
                    if again { exitCode = terminated ? 143 : 130 }
                    runningRequest?.cancel()
                    perform(controller.handle(.replyFinished(GradioError(.cancelled, "interrupted")), now: Self.now()))
                    break
                }
            } else if interrupts != interruptsBefore || terminated {
                interruptSent = (.now, interrupts, terminated)
                perform(controller.handle(.interrupt, now: Self.now()))
            }
            let inputs = inbox.withLock { inputs in
                defer { inputs.removeAll(keepingCapacity: true) }
                return inputs
            }
            for input in inputs { perform(controller.handle(input, now: Self.now())) }
            sessions?.flushIfDue(now: Self.now())
            live?.drawFrame()
        }
        runningRequest = nil
        TerminalControl.restoreInput()
        for note in notes.withLock({ $0 }) { show(note) }
        adoptSpace()
        if let warning = sessions?.takeWarning() { showError(warning) }
    }

    /// Once the Space's chat endpoint is known (after a turn, or read while the user typed):
    /// its defaults for what the user left alone, its model choices, whether it takes a history.
    private func adoptSpace() {
        guard let space = service.currentSpace else { return }
        if !adoptedSpace {
            controller.knowSpace(space.chat.spaceDefaults, modelChoices: space.chat.modelChoices ?? [])
            adoptedSpace = true
        }
        if controller.endpointTakesHistory == nil {
            perform(controller.setEndpointTakesHistory(space.chat.takesContext, inSession: space.chat.conversationInSession))
        }
    }

    // MARK: - Actions

    private func perform(_ actions: [ChatController.Action]) {
        for action in actions { perform(action) }
    }

    private func perform(_ action: ChatController.Action) {
        switch action {
        case .show(let text): show(text)
        case .showError(let text): showError(text)
        case .printTranscript(let transcript): printTranscript(transcript)
        case .setStatus(let text): live?.status(text)
        case .render(let update): live?.update(update)
        case .renderThinking(let update): live?.thinking(update)
        case .showThinking(let thinking):
            // Model text: the gate sanitises it; dimmed like the live reasoning.
            let text = thinking.trimmingTrailingNewlines()
            out.write(color ? "\u{1B}[2m\(text)\u{1B}[0m\n" : "\(text)\n")
        case .send(_, let userTurn, let systemPrompt, let modelSize, let context):
            pendingRequest = (userTurn, systemPrompt, modelSize, context)
        case .cancelReply:
            runningRequest?.cancel()
        case .endReply:
            live?.drawFrame()
            live?.finish()
            live = nil
        case .journal(let entry): sessions?.record(entry, now: Self.now())
        case .startNewJournal: sessions?.startNew()
        case .save(let path, let transcript): save(transcript, to: path)
        case .load(let path): load(path)
        case .listSessions: listSessions()
        case .copyToClipboard(let text):
            guard out.isTerminal else { return showError("/copy needs a terminal on standard output") }
            out.write(TerminalControl.copyToClipboard(text))
            show("copied the last reply (\(text.count) characters) to the clipboard via the terminal (OSC 52)")
        case .copyCode(let reply, let index):
            guard out.isTerminal else { return showError("/copy needs a terminal on standard output") }
            let blocks = CodeBlocks.of(reply)
            guard !blocks.isEmpty else { return showError("the last reply has no code block") }
            let k = index ?? blocks.count
            guard k <= blocks.count else { return showError("the last reply has \(blocks.count) code block\(blocks.count == 1 ? "" : "s")") }
            out.write(TerminalControl.copyToClipboard(blocks[k - 1]))
            show("copied code block \(k) of \(blocks.count) (\(blocks[k - 1].count) characters) to the clipboard via the terminal (OSC 52)")
        case .openEditor:
            let text = TerminalControl.editMessage(environment: environment)
            perform(controller.handle(.editorText(text), now: Self.now()))
        case .inputHistory(let change): changeInputHistory(change)
        case .showInfo(let settings, let defaults, let turns, let characters): showInfo(settings, defaults, turns: turns, characters: characters)
        case .showSpace:
            show("space: \(service.spaceText)" + (service.spaceID == nil ? " (a bare URL: the Hub is not asked about it)" : ""))
        case .switchSpace(let id, let url):
            do {
                service.switchTarget(try targets.target(spaceID: id, url: url ?? QwenSpace.url(forSpaceID: id)!))
                adoptedSpace = false
                if QwenSpace.isHost(of: service.client.root) { controller.knowSpace(QwenSpace.spaceDefaults, modelChoices: QwenSpace.modelSizes) }
                service.warmUp()
                show("space: \(service.spaceText); the transcript stays")
            } catch {
                // Still on the Space it was on: its defaults again.
                adoptedSpace = false
                showError(error.description)
            }
        case .exit: break
        }
    }

    /// The controller's words, which may quote the Space (its prompt, choices, errors): the
    /// whole text goes through the sanitiser, only the colours around it are ours.
    private func show(_ text: String) {
        out.write(color ? "\u{1B}[2m\(text)\u{1B}[0m\n" : "\(text)\n")
    }

    private func showError(_ text: String) {
        out.write(color ? "\u{1B}[31merror:\u{1B}[0m \(text)\n" : "error: \(text)\n")
    }

    /// Model text and pasted text are untrusted: everything goes through the renderer's sanitizer.
    private func printTranscript(_ transcript: Transcript) {
        let width = TerminalControl.width()
        for turn in transcript.turns {
            var user = StreamRenderer(options: RenderOptions(color: color, markdown: false, width: width))
            out.write(color ? "\u{1B}[1;36myou›\u{1B}[0m\n" : "you›\n")
            user.append(turn.user)
            out.write(user.finish())
            out.write(color ? "\u{1B}[1;35mqwen \(line: turn.modelSize, width: 40)›\u{1B}[0m\n" : "qwen \(line: turn.modelSize, width: 40)›\n")
            if !turn.thinking.isEmpty {
                let words = turn.thinking.split(whereSeparator: \.isWhitespace).count
                show("▸ Thought · \(words) word\(words == 1 ? "" : "s") (/thinking shows the last reply's)")
            }
            var reply = StreamRenderer(options: RenderOptions(color: color, markdown: controller.settings.markdown && color, width: width))
            reply.append(turn.reply)
            out.write(reply.finish())
            switch turn.status {
            case .interrupted: show("(interrupted)")
            case .failed: show("(failed: \(turn.error ?? "error"))")
            case .complete, .streaming: break
            }
        }
    }

    private func save(_ transcript: Transcript, to path: String?) {
        switch files.save(transcript, to: path, timestamp: SessionFile.timestamp()) {
        case .success(let line): show(line)
        case .failure(let failure): showError(failure.message)
        }
    }

    private func load(_ path: String) {
        switch files.load(path) {
        case .success(let loaded):
            perform(controller.handle(loaded, now: Self.now()))
            // The loaded model is checked against the Space's choices again.
            adoptedSpace = false
        case .failure(let failure): showError(failure.message)
        }
    }

    private func listSessions() {
        switch files.sessions() {
        case .failure(let failure):
            showError(failure.message)
        case .success(let found) where found.isEmpty:
            show("no saved sessions in \(files.sessionDirectory ?? "")")
        case .success(let found):
            for entry in found {
                out.write("\(line: entry.line())\n")
            }
            show("load one with /load <file>")
        }
    }

    private func changeInputHistory(_ change: SlashCommand.HistoryAction) {
        guard let history = editor.history else { return showError("input history is not available (HOME is not set)") }
        switch change {
        case .enable:
            history.isEnabled = true
            show("input history on (\(history.path))")
        case .disable:
            history.isEnabled = false
            show("input history off: new lines are not recorded")
        case .clear:
            if let warning = editor.clearHistory() { showError(warning.message) } else { show("input history cleared") }
        case .showTranscript:
            break
        }
    }

    private func showInfo(_ settings: ChatSettings, _ defaults: ChatController.SpaceDefaults?, turns: Int, characters: Int) {
        let connection = service.currentConnection
        show(ChatInfo(
            endpoint: service.spaceText,
            server: connection.map { ($0.config, $0.endpoint) },
            settings: settings, turns: turns, characters: characters,
            sessionFile: sessions?.path,
            inputHistory: editor.history.map { $0.isEnabled ? $0.path : "off" },
            space: service.currentSpace,
            hardware: service.hardware,
            spaceDefaults: defaults
        ).text)
    }

    static func now() -> Double { Date().timeIntervalSince1970 }
}
