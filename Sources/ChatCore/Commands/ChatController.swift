import GradioClient

/// What the user can change during a session.
/// How a reply's reasoning shows on a terminal: streamed under a "Thinking" line, then one
/// line (`collapse`), kept in full (`show`), or only the one line (`hide`).
public enum ThinkingDisplay: String, Sendable, CaseIterable {
    case collapse, show, hide
}

public struct ChatSettings: Sendable, Equatable {
    /// The system prompt chosen (`--system`, `/system`, a loaded session); nil: the Space's own.
    public var systemPrompt: String?
    /// The model chosen (`--model`, `/model`, a loaded session); nil: the Space's own.
    public var modelSize: String?
    /// What `/model` accepts: the Space's choices once its endpoint is known.
    public var modelChoices: [String] = []
    public var showStats = false
    public var markdown = true
    /// `/context on`, `--context`: send the earlier turns as the chatbot's history.
    public var context = false
    /// `--context-turns`: at most this many earlier turns are sent.
    public var contextTurns = 10
    public static let contextTurnsRange = 1...100
    /// How a reply's reasoning is shown on a terminal (`--thinking`, `/thinking`).
    public var thinking = ThinkingDisplay.collapse
    /// `/think on|off` and `/think budget N`: nil is the Space's own.
    public var think = ThinkingRequest()

    public init() {}
}

/// The interactive chat as a state machine: inputs from the line editor and the running
/// request go in, actions for the shell come out. No terminal, network, clock or file here.
public struct ChatController: Sendable {
    public enum State: Sendable, Equatable {
        case prompt
        /// A reply for turn `index` is streaming.
        case streaming(index: Int)
        case exiting
    }

    public enum Input: Sendable, Equatable {
        /// A complete input from the line editor (may span lines).
        case line(String)
        /// A message sent as it is, never read as a command (the one-shot command line).
        case message(String)
        /// Ctrl-C: clears the prompt line, or stops the streaming reply.
        case interrupt
        /// Ctrl-D on an empty line.
        case endOfInput
        case replyStatus(String)
        case replyUpdate(TextUpdate)
        /// The reply's reasoning, apart from its answer.
        case thinkingUpdate(TextUpdate)
        /// The request ended: nil on success, else its error (`.cancelled` after Ctrl-C).
        case replyFinished(GradioError?)
        /// The text written in `$EDITOR` for `/edit`, or nil if the editor failed.
        case editorText(String?)
        case loaded(Transcript, warning: String?)
    }

    public enum Action: Sendable, Equatable {
        /// A note for the user (our words, not the model's).
        case show(String)
        case showError(String)
        /// Print a transcript (model text, so the shell sanitizes it).
        case printTranscript(Transcript)
        case setStatus(String)
        case render(TextUpdate)
        case renderThinking(TextUpdate)
        /// `/thinking`: the last reply's reasoning in full (model text: the shell sanitizes it).
        case showThinking(String)
        /// Start a request; its events come back as `reply*` inputs.
        /// `context`: the earlier turns to send as history (empty with context off).
        /// `systemPrompt`, `modelSize`: the chosen ones; nil leaves the Space's own.
        case send(index: Int, userTurn: String, systemPrompt: String?, modelSize: String?, context: [ChatExchange])
        case cancelReply
        /// The reply is over; the shell ends the rendered block.
        case endReply
        case journal(SessionJournal.Entry)
        /// `/clear`: close the session file and start a new one.
        case startNewJournal
        case save(path: String?, Transcript)
        case load(path: String)
        case listSessions
        case copyToClipboard(String)
        /// `/copy code [K]`: the shell finds the code block in the reply.
        case copyCode(reply: String, index: Int?)
        case openEditor
        case inputHistory(SlashCommand.HistoryAction)
        case showInfo(ChatSettings, SpaceDefaults?, turns: Int, characters: Int)
        /// `/space`: say which Space and URL are in use.
        case showSpace
        /// `/space Owner/Name [URL]`: talk to that Space from the next turn on.
        case switchSpace(id: String, url: String?)
        case exit
    }

    public private(set) var state: State = .prompt
    public private(set) var settings: ChatSettings
    public private(set) var transcript = Transcript()
    private var interruptsAtPrompt = 0
    /// Whether the Space's chat endpoint takes a history; nil until it is known.
    public private(set) var endpointTakesHistory: Bool?

    /// Whether the Space keeps the conversation in its session (context keeps one session).
    public private(set) var conversationInSession = false

    /// What the Space's chat endpoint takes, once known: without a history input (or a
    /// conversation kept in the session, `inSession`), context goes off (with one note, if it was on).
    public mutating func setEndpointTakesHistory(_ takesHistory: Bool, inSession: Bool = false) -> [Action] {
        endpointTakesHistory = takesHistory
        conversationInSession = inSession
        guard !takesHistory, settings.context else { return [] }
        settings.context = false
        return [.show(Self.noHistoryNote + "; context off")]
    }

    static let noHistoryNote = "this Space's chat endpoint takes no history, so only the system prompt and the latest message can be sent"

    /// What the Space uses for a setting nobody chose: known once its config is read (for
    /// Qwen/Qwen2.5 from the start). nil before.
    public struct SpaceDefaults: Sendable, Equatable {
        public var model: String?
        public var systemPrompt: String?
        /// Whether its chat endpoint takes a system prompt at all.
        public var takesSystemPrompt: Bool

        public init(model: String?, systemPrompt: String?, takesSystemPrompt: Bool) {
            self.model = model
            self.systemPrompt = systemPrompt
            self.takesSystemPrompt = takesSystemPrompt
        }
    }
    public private(set) var spaceDefaults: SpaceDefaults?

    /// The model and system prompt the Space will really use: the chosen ones, else its own.
    public var modelInUse: String? { settings.modelSize ?? spaceDefaults?.model }
    public var systemPromptInUse: String? { settings.systemPrompt ?? spaceDefaults?.systemPrompt }

    /// The Space's chat endpoint is known: its model choices (empty: it has none) and its
    /// defaults. A chosen model it does not offer gives way to its own.
    public mutating func knowSpace(_ defaults: SpaceDefaults, modelChoices: [String]) {
        spaceDefaults = defaults
        settings.modelChoices = modelChoices
        if let chosen = settings.modelSize {
            settings.modelSize = modelChoices.first { $0.lowercased() == chosen.lowercased() }
        }
    }

    public init(settings: ChatSettings = ChatSettings(), spaceDefaults: SpaceDefaults? = nil) {
        self.settings = settings
        self.spaceDefaults = spaceDefaults
    }

    /// "the Space's own: You are terse." and the like, for `/system` and `/info`.
    public static func systemText(_ settings: ChatSettings, _ defaults: SpaceDefaults?) -> String {
        if let chosen = settings.systemPrompt { return chosen }
        guard let defaults else { return "the Space's own" }
        guard defaults.takesSystemPrompt else { return "none (this Space's chat endpoint takes no system prompt)" }
        return defaults.systemPrompt.map { "the Space's own: \($0)" } ?? "the Space's own (empty)"
    }

    /// "Qwen2.5-72B", "qwen3-8b (the Space's own)", for `/model` and `/info`.
    public static func modelText(_ settings: ChatSettings, _ defaults: SpaceDefaults?) -> String {
        if let chosen = settings.modelSize { return QwenSpace.displayName(ofModel: chosen) }
        return defaults?.model.map { QwenSpace.displayName(ofModel: $0) + " (the Space's own)" } ?? "the Space's own"
    }

    /// - Parameter now: seconds since 1970, for timestamps and statistics.
    public mutating func handle(_ input: Input, now: Double) -> [Action] {
        if case .interrupt = input {} else { interruptsAtPrompt = 0 }
        switch (state, input) {
        case (.exiting, _):
            return []

        case (.prompt, .line(let text)):
            return handleLine(text, now: now)
        case (.prompt, .message(let text)):
            return startTurn(text, now: now)
        case (.prompt, .interrupt):
            interruptsAtPrompt += 1
            return interruptsAtPrompt >= 2 ? [.show("(to leave, press Ctrl-D on an empty line or type /quit)")] : []
        case (.prompt, .endOfInput):
            state = .exiting
            return [.exit]
        case (.prompt, .editorText(let text)):
            guard let text else { return [.showError("the editor failed; nothing was sent")] }
            let message = text.trimmingTrailingNewlines()
            guard !message.trimmingWhitespace().isEmpty else { return [.show("(empty message; nothing sent)")] }
            return startTurn(message, now: now)
        case (.prompt, .loaded(let loaded, let warning)):
            transcript = loaded
            if let last = loaded.turns.last {
                settings.systemPrompt = last.systemPrompt.isEmpty ? nil : last.systemPrompt
                settings.modelSize = last.modelSize.isEmpty ? nil : last.modelSize
            }
            var actions: [Action] = [.startNewJournal]
            for (index, turn) in loaded.turns.enumerated() {
                actions.append(.journal(.turn(index: index, user: turn.user, system: turn.systemPrompt, model: turn.modelSize, time: turn.startedAt)))
                actions.append(.journal(.end(index: index, status: turn.status == .streaming ? .interrupted : turn.status, text: turn.reply, error: turn.error,
                                             time: turn.finishedAt ?? turn.startedAt, thinking: turn.thinking)))
            }
            actions.append(.printTranscript(loaded))
            if let warning { actions.append(.show(warning)) }
            actions.append(.show("loaded \(loaded.turns.count) turn\(loaded.turns.count == 1 ? "" : "s"); model \(Self.modelText(settings, spaceDefaults))"))
            return actions

        case (.streaming, .interrupt):
            return [.cancelReply]
        case (.streaming(let index), .replyStatus(let text)):
            return transcript.turns[index].reply.isEmpty ? [.setStatus(text)] : []
        case (.streaming(let index), .replyUpdate(let update)):
            switch update {
            case .delta(let text):
                transcript.turns[index].reply += text
                return [.render(update), .journal(.delta(index: index, text: text))]
            case .revised(let text):
                transcript.turns[index].reply = text
                return [.render(update), .journal(.revised(index: index, text: text))]
            }
        case (.streaming(let index), .thinkingUpdate(let update)):
            switch update {
            case .delta(let text):
                transcript.turns[index].thinking += text
                return [.renderThinking(update), .journal(.thinkingDelta(index: index, text: text))]
            case .revised(let text):
                transcript.turns[index].thinking = text
                return [.renderThinking(update), .journal(.thinkingRevised(index: index, text: text))]
            }
        case (.streaming(let index), .replyFinished(let error)):
            state = .prompt
            var turn = transcript.turns[index]
            turn.finishedAt = now
            var actions: [Action] = [.endReply]
            switch error?.code {
            case nil:
                turn.status = .complete
                if settings.showStats { actions.append(.show(Self.stats(for: turn))) }
            case .cancelled?:
                turn.status = .interrupted
                actions.append(.show("(interrupted; the partial reply is kept)"))
            default:
                turn.status = .failed
                turn.error = error!.message
                actions.append(.showError(error!.message + (turn.reply.isEmpty ? "" : " (the partial reply is kept)")))
            }
            transcript.turns[index] = turn
            actions.insert(.journal(.end(index: index, status: turn.status, text: turn.reply, error: turn.error, time: now, thinking: turn.thinking)), at: 1)
            return actions

        default:
            return []
        }
    }

    private mutating func handleLine(_ text: String, now: Double) -> [Action] {
        guard !text.trimmingWhitespace().isEmpty else { return [] }
        guard SlashCommand.isCommand(text) else {
            return startTurn(text.hasPrefix("//") ? String(text.dropFirst()) : text, now: now)
        }
        switch SlashCommand.parse(text, modelChoices: spaceDefaults == nil && settings.modelChoices.isEmpty ? nil : settings.modelChoices) {
        case .failure(let error):
            return [.showError(error.description)]
        case .success(let command):
            return perform(command, now: now)
        }
    }

    private mutating func startTurn(_ message: String, now: Double) -> [Action] {
        let index = transcript.turns.count
        transcript.turns.append(Turn(user: message, systemPrompt: systemPromptInUse ?? "", modelSize: modelInUse ?? "", startedAt: now))
        return beginRequest(index: index, now: now)
    }

    private mutating func beginRequest(index: Int, now: Double) -> [Action] {
        state = .streaming(index: index)
        let turn = transcript.turns[index]
        let context = settings.context && endpointTakesHistory != false
            ? transcript.contextExchanges(before: index, limit: settings.contextTurns) : []
        return [
            .journal(.turn(index: index, user: turn.user, system: turn.systemPrompt, model: turn.modelSize, time: now, context: context.count)),
            .send(index: index, userTurn: turn.user, systemPrompt: settings.systemPrompt, modelSize: settings.modelSize, context: context),
        ]
    }

    private mutating func perform(_ command: SlashCommand, now: Double) -> [Action] {
        switch command {
        case .system(.show):
            return [.show("system prompt: \(Self.systemText(settings, spaceDefaults))")]
        case .system(.set(let text)):
            settings.systemPrompt = text
            return [.show("system prompt set for the next turns")]
        case .system(.reset):
            settings.systemPrompt = nil
            return [.show("system prompt reset to the Space's own" + (spaceDefaults?.systemPrompt.map { ": \($0)" } ?? ""))]
        case .model(nil):
            if spaceDefaults != nil && settings.modelChoices.isEmpty {
                return [.show("model: the Space's own (its chat endpoint has no model choice)")]
            }
            let choices = settings.modelChoices.isEmpty ? "" : " (choices: \(settings.modelChoices.joined(separator: " ")))"
            return [.show("model: \(Self.modelText(settings, spaceDefaults))\(choices)")]
        case .model(let size?):
            settings.modelSize = size
            return [.show("model set to \(QwenSpace.displayName(ofModel: size))")]
        case .modelReset:
            settings.modelSize = nil
            return [.show("model reset to the Space's own" + (spaceDefaults?.model.map { ": \(QwenSpace.displayName(ofModel: $0))" } ?? ""))]
        case .clear:
            transcript = Transcript()
            return [.startNewJournal, .show("started a fresh transcript (system prompt kept)")]
        case .history(.showTranscript):
            return transcript.turns.isEmpty ? [.show("(nothing said yet)")] : [.printTranscript(transcript)]
        case .history(let action):
            return [.inputHistory(action)]
        case .retry:
            guard let index = transcript.turns.indices.last else { return [.showError("nothing to retry yet")] }
            transcript.turns[index] = Turn(user: transcript.turns[index].user, systemPrompt: systemPromptInUse ?? "",
                                           modelSize: modelInUse ?? "", startedAt: now)
            return [.show("retrying: \(transcript.turns[index].user.replacingNewlines(with: " ").prefix(60))")] + beginRequest(index: index, now: now)
        case .save(let path):
            return transcript.turns.isEmpty ? [.showError("nothing to save yet")] : [.save(path: path, transcript)]
        case .load(let path):
            return [.load(path: path)]
        case .sessions:
            return [.listSessions]
        case .copy:
            guard let reply = transcript.turns.last(where: { !$0.reply.isEmpty })?.reply else {
                return [.showError("no reply to copy yet")]
            }
            return [.copyToClipboard(reply)]
        case .copyCode(let index):
            guard let reply = transcript.turns.last(where: { !$0.reply.isEmpty })?.reply else {
                return [.showError("no reply to copy yet")]
            }
            return [.copyCode(reply: reply, index: index)]
        case .edit:
            return [.openEditor]
        case .info:
            return [.showInfo(settings, spaceDefaults, turns: transcript.turns.count, characters: transcript.characterCount)]
        case .thinking(nil):
            guard let turn = transcript.turns.last(where: { !$0.reply.isEmpty || !$0.thinking.isEmpty }) else {
                return [.showError("no reply yet")]
            }
            guard !turn.thinking.isEmpty else { return [.show("the last reply has no reasoning (thinking: \(settings.thinking.rawValue))")] }
            return [.showThinking(turn.thinking)]
        case .thinking(let display?):
            settings.thinking = display
            return [.show("thinking: \(display.rawValue)")]
        case .think(let change):
            switch change {
            case .show: break
            case .on(let on): settings.think.on = on
            case .budget(let budget): settings.think.budget = budget
            }
            let on = settings.think.on.map { $0 ? "on" : "off" } ?? "the Space's own"
            let budget = settings.think.budget.map { "\($0)" } ?? "the Space's own"
            return [.show("think: \(on); budget: \(budget)")]
        case .space(nil, _):
            return [.showSpace]
        case .space(let id?, let url):
            // What the user chose stays; the rest is the new Space's own, known once it answers.
            settings.modelChoices = []
            spaceDefaults = nil
            // Whether the new Space takes a history is known once it has answered.
            endpointTakesHistory = nil
            conversationInSession = false
            return [.switchSpace(id: id, url: url)]
        case .set(let setting, nil):
            let current = setting == .stats ? settings.showStats : settings.markdown
            return [.show("\(setting.rawValue): \(current ? "on" : "off")")]
        case .set(let setting, let value?):
            switch setting {
            case .stats: settings.showStats = value
            case .markdown: settings.markdown = value
            }
            return [.show("\(setting.rawValue) \(value ? "on" : "off")")]
        case .context(nil):
            return [.show(Self.contextDescription(settings, endpointTakesHistory: endpointTakesHistory, inSession: conversationInSession))]
        case .context(true?):
            if endpointTakesHistory == false { return [.showError(Self.noHistoryNote + "; context stays off")] }
            settings.context = true
            if conversationInSession { return [.show("context on: " + Self.sessionNote)] }
            return [.show("context on: the last \(settings.contextTurns) earlier turn\(settings.contextTurns == 1 ? "" : "s") with a reply go as history"
                + (endpointTakesHistory == nil ? " (checked against the Space at the next turn)" : ""))]
        case .context(false?):
            settings.context = false
            return [.show("context off: only the system prompt and the latest message are sent")]
        case .help(let topic):
            return [.show(SlashCommand.helpText(for: topic))]
        case .quit:
            state = .exiting
            return [.exit]
        }
    }

    /// What `/context` and `/info` say about the mode.
    static let sessionNote = "the turns join one session of the Space, which keeps the conversation (/clear starts a new one)"

    public static func contextDescription(_ settings: ChatSettings, endpointTakesHistory: Bool?, inSession: Bool = false) -> String {
        if endpointTakesHistory == false { return "context: off (" + noHistoryNote + ")" }
        if inSession && settings.context { return "context: on (" + sessionNote + ")" }
        return settings.context
            ? "context: on (the last \(settings.contextTurns) earlier turn\(settings.contextTurns == 1 ? "" : "s") with a reply go as history)"
            : "context: off (only the system prompt and the latest message are sent; /context on sends earlier turns)"
    }

    static func stats(for turn: Turn) -> String {
        stats(characters: turn.reply.count, seconds: (turn.finishedAt ?? turn.startedAt) - turn.startedAt)
    }

    /// "(2.1 s, 640 characters, 305 characters/s)" for `--stats` and `/set stats on`.
    public static func stats(characters: Int, seconds: Double) -> String {
        let elapsed = max(seconds, 0.001)
        let rate = Double(characters) / elapsed
        return "(\(formatSeconds(elapsed)), \(characters) characters, \(Int(rate.rounded())) characters/s)"
    }

    /// "3.2 s".
    public static func formatSeconds(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}

extension String {
    public func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
