import ChatCore
import GradioClient
import Synchronization

/// The network seam for turns: connects once (lazily, again after a failure), submits each
/// turn and feeds its job events to a `TurnDriver`, handing on what comes out.
final class ChatService: Sendable {
    let client: GradioClient
    let retry: RetryPolicy
    private let connection = Mutex<GradioConnection?>(nil)

    init(client: GradioClient, retry: RetryPolicy) {
        self.client = client
        self.retry = retry
    }

    var currentConnection: GradioConnection? { connection.withLock { $0 } }

    /// Streams one turn; `post` receives the driver's events, in order. Returns the
    /// controller's `.replyFinished` input (`.cancelled` when the task was cancelled).
    func run(userTurn: String, systemPrompt: String, modelSize: String, post: (TurnDriver.Event) -> Void) async -> ChatController.Input {
        var driver = TurnDriver(maxRetries: retry.maxRetries)
        do {
            let connection = try await connect(driver: &driver, post: post)
            let data = QwenSpace.requestData(userTurn: userTurn, systemPrompt: systemPrompt, modelSize: modelSize)
            try await client.submit(connection, data: data, sessionHash: GradioClient.makeSessionHash(), retry: retry) { event, outputs in
                for output in driver.handle(event, outputs: outputs) { post(output) }
            }
            return TurnDriver.finished(nil)
        } catch {
            if let error = error as? GradioError, error.code == .unreachable || error.code == .spaceDown {
                connection.withLock { $0 = nil }
            }
            return TurnDriver.finished(error)
        }
    }

    private func connect(driver: inout TurnDriver, post: (TurnDriver.Event) -> Void) async throws -> GradioConnection {
        if let existing = connection.withLock({ $0 }) { return existing }
        let fresh = try await client.connect(apiName: QwenSpace.apiName, fallback: QwenSpace.fallbackEndpoint, retry: retry) { event in
            for output in driver.handle(event, outputs: []) { post(output) }
        }
        for output in driver.connected(fallbackReason: fresh.fallbackReason) { post(output) }
        connection.withLock { $0 = fresh }
        return fresh
    }
}
