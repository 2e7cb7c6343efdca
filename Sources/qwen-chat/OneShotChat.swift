import ChatCore
import GradioClient
import TerminalRendering

/// One turn, streamed to standard output: plain text, or NDJSON events with `--json`.
/// Queue position, notes and errors go to standard error.
struct OneShotChat: Sendable {
    let client: GradioClient
    let userTurn: String
    let systemPrompt: String
    let modelSize: String
    let json: Bool
    /// Write the model's bytes as they are instead of neutralising control characters.
    let raw: Bool
    /// On a terminal: the reply is drawn in place by the main thread's frame loop.
    let live: LiveReply?
    /// Print elapsed time and characters per second to standard error at the end.
    var stats = false
    var retry = RetryPolicy.none
    /// Standard output, flushed by the main thread's tick.
    let stdout: BufferedOutput
    let stderr = FileDescriptorOutput.standardError

    /// Runs the turn and returns the process exit code.
    func run() async -> Int32 {
        var tracker = ReplyTracker(outputIndex: QwenSpace.chatbotOutputIndex)
        var writer = StableTextWriter()
        var wroteText = false
        var lastQueueNote = ""
        let started = ContinuousClock.now
        var sanitizer = ControlSanitizer()
        func filter(_ text: String) -> String { raw ? text : sanitizer.sanitize(text) }
        func endFilter() -> String { raw ? "" : sanitizer.finish() }
        do {
            let connection = try await client.connect(apiName: QwenSpace.apiName, fallback: QwenSpace.fallbackEndpoint, retry: retry) { event in
                if case .retrying(let attempt, let delay, let reason) = event { announceRetry(attempt, delay, reason) }
            }
            if let reason = connection.fallbackReason { note(reason) }
            let data = QwenSpace.requestData(userTurn: userTurn, systemPrompt: systemPrompt, modelSize: modelSize)
            try await client.submit(connection, data: data, sessionHash: GradioClient.makeSessionHash(), retry: retry) { event, outputs in
                switch event {
                case .joined:
                    break
                case .queued(let position, let size, let eta):
                    if json {
                        emit(["type": .string("queued"), "position": .number(position),
                              "queue_size": size.map { .number($0) } ?? .null, "eta": eta.map { .number($0) } ?? .null])
                    } else if let live {
                        live.status(QueueStatus(position: position, queueSize: size, eta: eta).description)
                    } else {
                        let line = QueueStatus(position: position, queueSize: size, eta: eta).description
                        // Only worth a line when others are ahead; each change once.
                        if position > 1, line != lastQueueNote { note(line) }
                        lastQueueNote = line
                    }
                case .started:
                    if json { emit(["type": .string("started")]) }
                    live?.status("generating…")
                case .generating(let edits):
                    if let update = tracker.update(outputs: outputs, edits: edits) { deliver(update) }
                case .log(let level, let message):
                    note("the Space says\(level.map { " (\($0.lowercased()))" } ?? ""): \(message)")
                case .progress:
                    break
                case .warning(let message):
                    note(message)
                case .retrying(let attempt, let delay, let reason):
                    announceRetry(attempt, delay, reason)
                case .completed:
                    if let update = tracker.finish(outputs: outputs) { deliver(update) }
                }
            }
            if json {
                emit(["type": .string("done"), "text": .string(tracker.text)])
            } else if live != nil {
                // The main thread draws the last frame.
            } else {
                let rest = writer.finish(finalText: tracker.text)
                stdout.write(filter(rest) + endFilter() + "\n")
                if writer.conflicts > 0 {
                    note("the Space rewrote text that was already printed; the output above may differ from its final reply (use --json for exact revisions)")
                }
            }
            if stats {
                let elapsed = started.duration(to: .now).components
                note(ChatController.stats(characters: tracker.text.count, seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18))
            }
            return 0
        } catch let error as GradioError {
            if !json, live == nil {
                // Keep the partial reply: write what was held back, then end the line.
                let rest = writer.finish(finalText: tracker.text)
                let tail = filter(rest) + endFilter()
                if writer.writtenCount > 0 || wroteText { stdout.write(tail + "\n") }
            }
            if error.code == .cancelled {
                if json { emit(["type": .string("error"), "code": .string("interrupted"), "message": .string("interrupted")]) }
                return 130
            }
            if json {
                emit(["type": .string("error"), "code": .string(error.code.description), "message": .string(error.message),
                      "partial_text": .string(tracker.text)])
            }
            note(error.message)
            return 1
        } catch {
            note("\(error)")
            return 1
        }

        func announceRetry(_ attempt: Int, _ delay: Double, _ reason: String) {
            if json {
                emit(["type": .string("retrying"), "attempt": .number(attempt), "delay": .number(delay), "reason": .string(reason)])
            }
            let line = retryStatus(attempt: attempt, of: retry.maxRetries, delay: delay, reason: reason)
            if let live { live.status(line) } else { note(line) }
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
                    stdout.write(filter(ready))
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
        stdout.flush()
        stderr.write("qwen-chat: \(message)\n")
    }
}
