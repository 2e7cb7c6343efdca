import ChatCore
import GradioClient
import Synchronization

/// Runs turns against the Space: connects once (lazily, again after a failure) and streams
/// each reply as `ChatController` inputs.
final class ChatService: Sendable {
    let client: GradioClient
    private let connection = Mutex<GradioConnection?>(nil)
    private let notes = Mutex<[String]>([])

    let retry: RetryPolicy

    init(client: GradioClient, retry: RetryPolicy) {
        self.client = client
        self.retry = retry
    }

    var currentConnection: GradioConnection? { connection.withLock { $0 } }

    /// Notes to show the user once (for example the config fallback).
    func takeNotes() -> [String] {
        notes.withLock { notes in
            defer { notes.removeAll() }
            return notes
        }
    }

    func connect(post: (ChatController.Input) -> Void) async throws -> GradioConnection {
        if let existing = connection.withLock({ $0 }) { return existing }
        let retry = self.retry
        let fresh = try await client.connect(apiName: QwenSpace.apiName, fallback: QwenSpace.fallbackEndpoint, retry: retry) { event in
            if case .retrying(let attempt, let delay, let reason) = event {
                post(.replyStatus(retryStatus(attempt: attempt, of: retry.maxRetries, delay: delay, reason: reason)))
            }
        }
        if let reason = fresh.fallbackReason { notes.withLock { $0.append(reason) } }
        connection.withLock { $0 = fresh }
        return fresh
    }

    /// Streams one turn; `post` receives status lines and text updates, in order. Returns nil on
    /// success or the error (`.cancelled` when the task was cancelled).
    func run(userTurn: String, systemPrompt: String, modelSize: String, post: (ChatController.Input) -> Void) async -> GradioError? {
        var tracker = ReplyTracker(outputIndex: QwenSpace.chatbotOutputIndex)
        do {
            let connection = try await connect(post: post)
            let data = QwenSpace.requestData(userTurn: userTurn, systemPrompt: systemPrompt, modelSize: modelSize)
            try await client.submit(connection, data: data, sessionHash: GradioClient.makeSessionHash(), retry: retry) { event, outputs in
                switch event {
                case .queued(let position, let size, let eta):
                    post(.replyStatus(QueueStatus(position: position, queueSize: size, eta: eta).description))
                case .started:
                    post(.replyStatus("generating…"))
                case .generating(let edits):
                    if let update = tracker.update(outputs: outputs, edits: edits) { post(.replyUpdate(update)) }
                case .completed:
                    if let update = tracker.finish(outputs: outputs) { post(.replyUpdate(update)) }
                case .retrying(let attempt, let delay, let reason):
                    post(.replyStatus(retryStatus(attempt: attempt, of: retry.maxRetries, delay: delay, reason: reason)))
                case .warning(let message):
                    notes.withLock { $0.append(message) }
                case .log(_, let message):
                    notes.withLock { $0.append("the Space says: \(message)") }
                case .joined, .progress:
                    break
                }
            }
            return nil
        } catch let error as GradioError {
            if error.code == .unreachable || error.code == .spaceDown { connection.withLock { $0 = nil } }
            return error
        } catch {
            return GradioError(.badResponse, "\(error)")
        }
    }
}
