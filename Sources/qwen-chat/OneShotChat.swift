import ChatCore
import GradioClient
import Synchronization
import TerminalRendering

/// One turn, streamed to standard output: plain text, or NDJSON events with `--json`.
/// Queue position, notes and errors go to standard error. The turn runs through
/// `ChatController` like a REPL turn; this shell only decides where each piece is written.
struct OneShotChat: Sendable {
    let service: ChatService
    let userTurn: String
    /// The system prompt, model size and `--stats`.
    let settings: ChatSettings
    let json: Bool
    /// Write the model's bytes as they are instead of neutralising control characters.
    let raw: Bool
    /// On a terminal: the reply is drawn in place by the main thread's frame loop.
    let live: LiveReply?
    /// Standard output, flushed by the main thread's tick.
    let stdout: BufferedOutput
    let stderr = FileDescriptorOutput.standardError
    /// With a live reply, notes wait for its last frame (`writeHeldNotes`) so they do not tear it.
    private let heldNotes = HeldNotes()

    /// Runs the turn and returns the process exit code.
    func run() async -> Int32 {
        let started = ContinuousClock.now
        func now() -> Double {
            let elapsed = started.duration(to: .now).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        }
        var controller = ChatController(settings: settings)
        var writer = StableTextWriter()
        var wroteText = false
        var sanitizer = ControlSanitizer()
        func filter(_ text: String) -> String { raw ? text : sanitizer.sanitize(text) }
        func endFilter() -> String { raw ? "" : sanitizer.finish() }

        // One turn has no earlier turns: with --context the history is still empty.
        var request: (userTurn: String, systemPrompt: String?, modelSize: String?, context: [ChatExchange])?
        for case .send(_, let userTurn, let systemPrompt, let modelSize, let context) in controller.handle(.message(userTurn), now: now()) {
            request = (userTurn, systemPrompt, modelSize, context)
        }
        guard let request else { return 1 }
        let end = await service.run(userTurn: request.userTurn, systemPrompt: request.systemPrompt, modelSize: request.modelSize,
                                    history: request.context) { event in
            present(event)
            if let input = event.input { perform(controller.handle(input, now: now())) }
        }
        let actions = controller.handle(end, now: now())
        let reply = controller.transcript.turns.last?.reply ?? ""

        let thinking = controller.transcript.turns.last?.thinking ?? ""
        guard case .replyFinished(let error?) = end else {
            if json {
                if thinking.isEmpty {
                    emit(["type": .string("done"), "text": .string(reply)])
                } else {
                    emit(["type": .string("done"), "text": .string(reply), "thinking": .string(thinking)])
                }
            } else if live != nil {
                // The main thread draws the last frame.
            } else {
                let rest = writer.finish(finalText: reply)
                stdout.write(Array((filter(rest) + endFilter() + "\n").utf8))
                if writer.conflicts > 0 {
                    note("the Space rewrote text that was already printed; the output above may differ from its final reply (use --json for exact revisions)")
                }
            }
            // After a success the controller's only words are the `--stats` line.
            for case .show(let line) in actions { note(line) }
            return 0
        }
        if !json, live == nil {
            // Keep the partial reply: write what was held back, then end the line.
            let rest = writer.finish(finalText: reply)
            let tail = filter(rest) + endFilter()
            if writer.writtenCount > 0 || wroteText { stdout.write(Array((tail + "\n").utf8)) }
        }
        if error.code == .cancelled {
            if json { emit(["type": .string("error"), "code": .string("interrupted"), "message": .string("interrupted")]) }
            note(reply.isEmpty ? "interrupted" : "interrupted; the partial reply is kept")
            return 130
        }
        if json {
            emit(["type": .string("error"), "code": .string(error.code.description), "message": .string(error.message),
                  "partial_text": .string(reply)])
        }
        note(error.message)
        return 1

        /// What only the one-shot shows: JSON events, queue and retry lines on standard error, notes.
        func present(_ event: TurnDriver.Event) {
            switch event {
            case .queued(let queue):
                if json {
                    emit(["type": .string("queued"), "position": .number(queue.position),
                          "queue_size": queue.queueSize.map { .number($0) } ?? .null, "eta": queue.eta.map { .number($0) } ?? .null])
                }
            case .queueNote(let line):
                if !json, live == nil { note(line) }
            case .started:
                if json { emit(["type": .string("started")]) }
            case .retrying(let attempt, _, let delay, let reason):
                if json {
                    emit(["type": .string("retrying"), "attempt": .number(attempt), "delay": .number(delay), "reason": .string(reason)])
                }
                if live == nil, let line = event.status { note(line) }
            case .waiting(let line):
                if json { emit(["type": .string("waiting"), "message": .string(line)]) }
                if live == nil { note(line) }
            case .note(let message):
                note(message)
            case .text, .thinking:
                break
            }
        }

        func perform(_ actions: [ChatController.Action]) {
            for action in actions {
                switch action {
                case .render(let update): deliver(update)
                case .renderThinking(let update): deliverThinking(update)
                case .setStatus(let text): live?.status(text)
                default: break
                }
            }
        }

        /// Reasoning is never part of the answer: NDJSON `thinking` events, the live display,
        /// and nothing on a pipe.
        func deliverThinking(_ update: TextUpdate) {
            if json {
                switch update {
                case .delta(let text): emit(["type": .string("thinking"), "text": .string(text)])
                case .revised(let text): emit(["type": .string("thinking_revised"), "text": .string(text)])
                }
            } else {
                live?.thinking(update)
            }
        }

        func deliver(_ update: TextUpdate) {
            if json {
                switch update {
                case .delta(let text): emit(["type": .string("delta"), "text": .string(text)])
                case .revised(let text): emit(["type": .string("revised"), "text": .string(text)])
                }
            } else if let live {
                live.update(update)
            } else {
                let ready = writer.apply(update)
                if !ready.isEmpty {
                    // Sanitised by `filter`, or raw because the user asked for it.
                    stdout.write(Array(filter(ready).utf8))
                    wroteText = true
                }
            }
        }
    }

    private func emit(_ members: KeyValuePairs<String, JSONValue>) {
        var object = JSONObject()
        for (key, value) in members { object[key] = value }
        stdout.write(JSONValue.object(object).jsonBytes + [0x0A])
    }

    private func note(_ message: String) {
        if live != nil {
            heldNotes.lines.withLock { $0.append(message) }
            return
        }
        stdout.flush()
        stderr.write("qwen-chat: \(line: message)\n")
    }

    /// Called by the main thread once the live reply is finished.
    func writeHeldNotes() {
        for message in heldNotes.lines.withLock({ $0 }) { stderr.write("qwen-chat: \(line: message)\n") }
    }
}

private final class HeldNotes: Sendable {
    let lines = Mutex<[String]>([])
}
