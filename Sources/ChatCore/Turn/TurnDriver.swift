import GradioClient

/// One turn's job events as the chat sees them: queue and retry status, text updates, notes.
/// Sans-I/O: the shell runs `GradioClient.connect`/`submit` and feeds every event here; the
/// one-shot command and the REPL both present what comes out, so the event switch lives once.
public struct TurnDriver: Sendable {
    public enum Event: Sendable, Equatable {
        /// Waiting in the Space's queue.
        case queued(QueueStatus)
        /// A queue line worth printing on its own where there is no status line: others are
        /// ahead and the line changed since the last one.
        case queueNote(String)
        case started
        /// The Space is busy or waking up; the client waits and tries again.
        case retrying(attempt: Int, of: Int, delay: Double, reason: String)
        /// The Hub says the Space is asleep or starting; the shell waits for it (`SpaceWait`).
        case waiting(String)
        case text(TextUpdate)
        /// The reply's reasoning, kept apart from its answer (`text`).
        case thinking(TextUpdate)
        /// Our words for something the user should know (a warning, the Space's log, a fallback).
        case note(String)

        /// The status line this event shows while no text has arrived, if any.
        public var status: String? {
            switch self {
            case .queued(let queue): queue.description
            case .started: "generating…"
            case .retrying(let attempt, let total, let delay, let reason): retryStatus(attempt: attempt, of: total, delay: delay, reason: reason)
            case .waiting(let line): line
            case .queueNote, .text, .thinking, .note: nil
            }
        }

        /// The `ChatController` input this event becomes; notes are the shell's to show.
        public var input: ChatController.Input? {
            if case .text(let update) = self { return .replyUpdate(update) }
            if case .thinking(let update) = self { return .thinkingUpdate(update) }
            return status.map { .replyStatus($0) }
        }
    }

    /// Retries the client may make, for "attempt 1 of 3".
    public let maxRetries: Int
    private var tracker = ReplyTracker(outputIndex: QwenSpace.chatbotOutputIndex)
    private var lastQueueNote = ""
    /// The Space's messages (gr.Info, gr.Warning) shown so far this turn: a Space that sends
    /// a million of them gets the first few on the screen, not a million lines (or notes held
    /// in memory until the reply is drawn).
    private var logNotes = 0
    public static let maximumLogNotes = 20

    public init(maxRetries: Int) {
        self.maxRetries = maxRetries
    }

    /// The reply's answer as told so far through `.text` events.
    public var text: String { tracker.text }

    /// The discovered endpoint puts the reply in this output (the Qwen2.5 layout's is 1).
    public mutating func readReply(fromOutput index: Int) {
        tracker = ReplyTracker(outputIndex: index)
    }

    /// The connection was made; a fallback to the known endpoint is worth a note.
    public func connected(fallbackReason: String?) -> [Event] {
        fallbackReason.map { [.note($0)] } ?? []
    }

    /// - Parameter outputs: the job's current output values (empty while connecting).
    /// - Throws: a job that completed with no reply in its outputs.
    public mutating func handle(_ event: JobEvent, outputs: [JSONValue]) throws(GradioError) -> [Event] {
        switch event {
        case .queued(let position, let size, let eta):
            let queue = QueueStatus(position: position, queueSize: size, eta: eta)
            let line = queue.description
            defer { lastQueueNote = line }
            return position > 1 && line != lastQueueNote ? [.queued(queue), .queueNote(line)] : [.queued(queue)]
        case .started:
            return [.started]
        case .generating(let edits):
            return tracker.updates(outputs: outputs, edits: edits).map(Self.event)
        case .completed:
            guard tracker.hasReply(in: outputs) else {
                throw GradioError(.badResponse, "the Space finished the job without a reply in its answer")
            }
            return tracker.finishUpdates(outputs: outputs).map(Self.event)
        case .retrying(let attempt, let delay, let reason):
            return [.retrying(attempt: attempt, of: maxRetries, delay: delay, reason: reason)]
        case .warning(let message):
            return [.note(message)]
        case .log(let level, let message):
            logNotes += 1
            if logNotes > Self.maximumLogNotes {
                return logNotes == Self.maximumLogNotes + 1 ? [.note("the Space sent more messages; the rest are not shown")] : []
            }
            return [.note("the Space says\(level.map { " (\(oneLine($0.lowercased(), limit: 20)))" } ?? ""): \(oneLine(message))")]
        case .joined, .progress:
            return []
        }
    }

    private static func event(_ update: ReplyUpdate) -> Event {
        switch update {
        case .answer(let text): .text(text)
        case .thinking(let text): .thinking(text)
        }
    }

    /// The turn's end as a controller input: nil on success, else the error as one line.
    public static func finished(_ error: (any Error)?) -> ChatController.Input {
        switch error {
        case nil: .replyFinished(nil)
        case let error as GradioError: .replyFinished(error)
        case let error?: .replyFinished(GradioError(.badResponse, "\(error)"))
        }
    }
}
