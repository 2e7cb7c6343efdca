import ChatCore
import GradioClient
import Synchronization

/// The network seam for turns: connects once (lazily, again after a failure), finds the chat
/// endpoint, submits each turn and feeds its job events to a `TurnDriver`, handing on what
/// comes out.
final class ChatService: Sendable {
    let client: GradioClient
    let retry: RetryPolicy
    /// `--api-name`: this endpoint instead of the discovered one.
    let apiName: String?
    /// Whether `--model` / `--system` were given: if not, the Space's own defaults are sent
    /// (while the settings still hold qwen-chat's defaults).
    let modelGiven: Bool
    let systemGiven: Bool
    /// Until the REPL adopts the Space's defaults into its settings, settings at qwen-chat's
    /// defaults stand for "the Space's own".
    private let defaultsPending = Mutex(true)
    private let state = Mutex<(connection: GradioConnection, space: SpaceEndpoint)?>(nil)

    init(client: GradioClient, retry: RetryPolicy, apiName: String? = nil, modelGiven: Bool = true, systemGiven: Bool = true) {
        self.client = client
        self.retry = retry
        self.apiName = apiName
        self.modelGiven = modelGiven
        self.systemGiven = systemGiven
    }

    var currentConnection: GradioConnection? { state.withLock { $0?.connection } }
    var currentSpace: SpaceEndpoint? { state.withLock { $0?.space } }

    /// Streams one turn; `post` receives the driver's events, in order. Returns the
    /// controller's `.replyFinished` input (`.cancelled` when the task was cancelled).
    /// - Parameter history: the earlier turns to send (`/context on`); dropped, with a note,
    ///   when the endpoint takes none.
    func run(userTurn: String, systemPrompt: String, modelSize: String, history: [ChatExchange] = [],
             post: (TurnDriver.Event) -> Void) async -> ChatController.Input {
        var driver = TurnDriver(maxRetries: retry.maxRetries)
        do {
            let (connection, space) = try await connect(driver: &driver, post: post)
            driver.readReply(fromOutput: space.chat.replyOutputIndex)
            // Settings still at qwen-chat's defaults leave the Space's own in place; a size the
            // Space does not offer gets its default too.
            let pending = defaultsPending.withLock { $0 }
            let model = pending && !modelGiven && modelSize == QwenSpace.defaultModelSize ? nil : space.chat.canonicalModel(modelSize)
            let system = pending && !systemGiven && systemPrompt == QwenSpace.defaultSystemPrompt && space.chat.hasSystemDefault ? nil : systemPrompt
            if !history.isEmpty, !space.chat.takesHistory {
                post(.note("this Space's chat endpoint takes no history; the earlier turns were not sent"))
            }
            let history = space.chat.takesHistory ? history : []
            let data = space.chat.requestData(message: userTurn, systemPrompt: system, model: model, history: history)
            try await client.submitTurn(connection, chat: space.chat, data: data, history: history, retry: retry) { event, outputs in
                for output in driver.handle(event, outputs: outputs) { post(output) }
            }
            return TurnDriver.finished(nil)
        } catch {
            if let error = error as? GradioError, error.code == .unreachable || error.code == .spaceDown {
                state.withLock { $0 = nil }
            }
            return TurnDriver.finished(error)
        }
    }

    /// The Space's defaults for the settings the command line left alone, once, when the
    /// endpoint is known: from then on the settings say exactly what is sent.
    func takeSpaceDefaults() -> (model: String?, systemPrompt: String?)? {
        guard let space = currentSpace else { return nil }
        let pending = defaultsPending.withLock { pending in
            defer { pending = false }
            return pending
        }
        guard pending else { return nil }
        let model = modelGiven ? nil : space.chat.defaultModel.flatMap { space.chat.canonicalModel($0) }
        return (model, systemGiven ? nil : space.chat.systemDefault)
    }

    /// Reads the config and finds the chat endpoint (once); for `--describe` and `--model`.
    func discover() async throws -> SpaceEndpoint {
        var driver = TurnDriver(maxRetries: retry.maxRetries)
        return try await connect(driver: &driver, post: { _ in }).1
    }

    private func connect(driver: inout TurnDriver, post: (TurnDriver.Event) -> Void) async throws -> (GradioConnection, SpaceEndpoint) {
        if let existing = state.withLock({ $0 }) { return existing }
        let answer = try await client.fetchConfig(retry: retry) { event in
            for output in driver.handle(event, outputs: []) { post(output) }
        }
        // `/info` names the parameters; worth a request only when the config lists inputs.
        var info: JSONValue?
        if case .config(let config) = answer, config.dependencies.contains(where: { !$0.inputs.isEmpty }) {
            info = await client.fetchInfo(config)
        }
        let space = try SpaceEndpoint.choose(answer, info: info, apiName: apiName)
        let connection = GradioConnection(
            root: client.root,
            config: space.config ?? .unknownApp,
            endpoint: space.chat.endpoint,
            fallbackReason: space.note
        )
        for output in driver.connected(fallbackReason: space.note) { post(output) }
        state.withLock { $0 = (connection, space) }
        return (connection, space)
    }
}
