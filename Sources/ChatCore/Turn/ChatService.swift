import GradioClient
import Synchronization

/// The network seam for turns: connects once (lazily, again after a failure), finds the chat
/// endpoint, submits each turn and feeds its job events to a `TurnDriver`, handing on what
/// comes out. Here rather than in the executable so that the connect-once, warm-up, `/space`
/// and wake-the-Space logic runs in tests against a fake `HTTPTransport`, with no binary.
public final class ChatService: Sendable {
    /// What the turns go to: the Space's host, the Hub to ask about it (nil for a bare `--url`),
    /// and whether a token goes to the host (for the ZeroGPU quota hint). `/space` replaces it.
    public struct Target: Sendable {
        public var client: GradioClient
        public var hub: SpaceHub?
        public var tokenSent: Bool

        public init(client: GradioClient, hub: SpaceHub?, tokenSent: Bool) {
            self.client = client
            self.hub = hub
            self.tokenSent = tokenSent
        }
    }

    private let target: Mutex<Target>
    public let retry: RetryPolicy
    /// `--wait`: how long to wait for a Space the Hub says is asleep or building.
    public let waitBudget: Double
    /// `--api-name`: this endpoint instead of the discovered one.
    public let apiName: String?
    private let state = Mutex<(connection: GradioConnection, space: SpaceEndpoint)?>(nil)
    /// The config read while the user types the first message (`warmUp`).
    private let warmUpTask = Mutex<Task<Void, Never>?>(nil)
    /// The session the last answered turn ended in, on a Space that keeps the conversation in
    /// it: the next turn with context joins it again, when its last earlier turn is that one
    /// (not after `/retry`, `/load` or `/clear`). `thinkingOn`: its thinking switch as left.
    private let conversation = Mutex<(sessionHash: String, lastUser: String, thinkingOn: Bool)?>(nil)

    public init(target: Target, retry: RetryPolicy, waitBudget: Double = 120, apiName: String? = nil) {
        self.target = Mutex(target)
        self.retry = retry
        self.waitBudget = waitBudget
        self.apiName = apiName
    }

    public var client: GradioClient { target.withLock { $0.client } }
    /// The Space id the Hub is asked about, if any.
    public var spaceID: String? { target.withLock { $0.hub?.spaceID } }
    /// Where the turns go, as the banner, `/space` and `/info` name it: "Owner/Name (its URL)",
    /// or the bare URL; a password in the URL is never shown.
    public var spaceText: String {
        // One read of the target: `/space` may replace it meanwhile.
        let (root, spaceID) = target.withLock { ($0.client.root, $0.hub?.spaceID) }
        let url = URLParts.redacting(root)
        return spaceID.map { "\($0) (\(url))" } ?? url
    }

    /// `/space`: talk to another Space from the next turn on; its config is read then, and its
    /// own defaults are taken again for the settings the user did not set.
    public func switchTarget(_ new: Target) {
        warmUpTask.withLock { $0?.cancel() }
        target.withLock { $0 = new }
        state.withLock { $0 = nil }
        conversation.withLock { $0 = nil }
        hubHardware.withLock { $0 = nil }
    }

    /// Reads the Space's config while the user types, so the first turn does not wait for it
    /// and `/model`, Tab and `/info` know the Space before it: one quiet attempt. When it
    /// fails (a sleeping Space, an error), the first turn connects as it would have, with its
    /// status lines, the Hub and the retries; its request has started waking the Space anyway.
    public func warmUp() {
        let (client, root) = target.withLock { ($0.client, $0.client.root) }
        let task = Task.detached { [self] in
            guard let answer = try? await client.fetchConfig(),
                  let found = try? await endpoint(from: answer, client: client) else { return }
            state.withLock { current in
                // Not for a Space `/space` has left since.
                if !Task.isCancelled, current == nil, self.client.root == root { current = found }
            }
        }
        warmUpTask.withLock { $0 = task }
        Task.detached { [self] in _ = await readHardware() }
    }

    /// Waits for `warmUp` to finish; cancelling the caller stops waiting (and the warm-up).
    private func awaitWarmUp() async {
        guard let task = warmUpTask.withLock({ task in defer { task = nil }; return task }) else { return }
        await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }

    /// The Space's hardware from the Hub (nil for a bare URL, or until it has answered).
    private let hubHardware = Mutex<String?>(nil)
    public var hardware: String? { hubHardware.withLock { $0 } }

    /// Asks the Hub for the Space's hardware (for `/info` and `--describe`); beside the turns,
    /// never before them.
    public func readHardware() async -> String? {
        guard let hub = target.withLock({ $0.hub }) else { return nil }
        let hardware = await hub.hardware()
        if target.withLock({ $0.hub?.spaceID }) == hub.spaceID { hubHardware.withLock { $0 = hardware } }
        return hardware
    }

    public var currentConnection: GradioConnection? { state.withLock { $0?.connection } }
    public var currentSpace: SpaceEndpoint? { state.withLock { $0?.space } }

    /// Streams one turn; `post` receives the driver's events, in order. Returns the
    /// controller's `.replyFinished` input (`.cancelled` when the task was cancelled).
    /// - Parameter history: the earlier turns to send (`/context on`); dropped, with a note,
    ///   when the endpoint takes none.
    /// - Parameters:
    ///   - systemPrompt, modelSize: the chosen ones; nil leaves the Space's own (a model it
    ///     does not offer too).
    public func run(userTurn: String, systemPrompt: String?, modelSize: String?, history: [ChatExchange] = [],
                    thinking: ThinkingRequest = ThinkingRequest(), post: (TurnDriver.Event) -> Void) async -> ChatController.Input {
        var driver = TurnDriver(maxRetries: retry.maxRetries)
        let (client, hub, tokenSent) = target.withLock { ($0.client, $0.hub, $0.tokenSent) }
        do {
            let (connection, space) = try await connect(driver: &driver, post: post)
            driver.readReply(fromOutput: space.chat.replyOutputIndex)
            let model = modelSize.flatMap { space.chat.canonicalModel($0) }
            let system = systemPrompt
            if !history.isEmpty, !space.chat.takesContext {
                post(.note("this Space's chat endpoint takes no history; the earlier turns were not sent"))
            }
            // A conversation in the Space's session: with context, the turn joins the session of
            // the one before (where the earlier turns are); otherwise a fresh one, kept for the next.
            let stored = conversation.withLock { $0 }
            let kept = space.chat.conversationInSession && history.last?.user != nil && history.last?.user == stored?.lastUser ? stored : nil
            let session = kept.map { ($0.sessionHash, $0.thinkingOn) } ?? (GradioClient.makeSessionHash(), true)
            // A fresh session starts with the Space's thinking on; a kept one as it was left.
            let thinkingOn = thinking.on ?? session.1
            let flip = thinkingOn != session.1
            let history = space.chat.takesHistory ? history : []
            if thinking.on != nil, space.chat.thinkingSwitch == nil {
                post(.note("this Space has no thinking switch; /think on|off changes nothing here"))
            }
            if thinking.budget != nil, !space.chat.takesThinkingBudget {
                post(.note("this Space takes no thinking budget; /think budget changes nothing here"))
            }
            let data = space.chat.requestData(message: userTurn, systemPrompt: system, model: model, history: history, thinkingBudget: thinking.budget)
            // A Space gone to sleep since the last turn: the Hub is asked as soon as the join
            // fails, so with a Hub the retries are `awake`'s, not `submit`'s.
            var streamed = false
            // The session the turn ended in; a retry of the whole turn starts a new one (a kept
            // session's thinking switch would be pressed twice).
            var ended = session.0
            var attempts = 0
            try await awake(hub, askAtOnce: false, canRetry: { !streamed }, post: post) {
                attempts += 1
                let hash = attempts == 1 ? session.0 : GradioClient.makeSessionHash()
                let pressSwitch = attempts == 1 ? flip : thinkingOn == false
                ended = try await client.submitTurn(connection, chat: space.chat, data: data, history: history, retry: hub == nil ? retry : .none,
                                                    flipThinking: pressSwitch, sessionHash: hash) { event, outputs in
                    for output in try driver.handle(event, outputs: outputs) {
                        switch output {
                        case .text, .thinking: streamed = true
                        default: break
                        }
                        post(output)
                    }
                }
            }
            if space.chat.conversationInSession {
                conversation.withLock { $0 = (ended, userTurn, space.chat.thinkingSwitch == nil || thinkingOn) }
            }
            return TurnDriver.finished(nil)
        } catch {
            if let error = error as? GradioError, error.code == .unreachable || error.code == .spaceDown {
                state.withLock { $0 = nil }
            }
            // Ctrl-C in any phase (reading the config, a wait, the reply) is an interruption.
            if error is CancellationError || Task.isCancelled {
                return TurnDriver.finished(GradioError(.cancelled, "interrupted"))
            }
            if var error = error as? GradioError {
                if error.code == .tooLarge, error.message.contains("reply") {
                    error.message += "; --max-reply sets it"
                }
                return TurnDriver.finished(ZeroGPUError.reworded(error, tokenSent: tokenSent))
            }
            return TurnDriver.finished(error)
        }
    }

    /// Reads the config and finds the chat endpoint (once); for `--describe` and `--model`.
    /// `post` hears the waits (a sleeping Space, retries).
    public func discover(post: (TurnDriver.Event) -> Void = { _ in }) async throws -> SpaceEndpoint {
        var driver = TurnDriver(maxRetries: retry.maxRetries)
        return try await connect(driver: &driver, post: post).1
    }

    private func connect(driver: inout TurnDriver, post: (TurnDriver.Event) -> Void) async throws -> (GradioConnection, SpaceEndpoint) {
        await awaitWarmUp()
        if let existing = state.withLock({ $0 }) { return existing }
        let (client, hub) = target.withLock { ($0.client, $0.hub) }
        let answer: ConfigAnswer
        if hub != nil {
            answer = try await awake(hub, askAtOnce: true, canRetry: { true }, post: post) { try await client.fetchConfig() }
        } else {
            answer = try await client.fetchConfig(retry: retry) { event in
                for output in (try? driver.handle(event, outputs: [])) ?? [] { post(output) }
            }
        }
        let found = try await endpoint(from: answer, client: client)
        for output in driver.connected(fallbackReason: found.space.note) { post(output) }
        state.withLock { $0 = found }
        return found
    }

    /// The chat endpoint in a config (with `/info`'s parameter names), and how to call it.
    private func endpoint(from answer: ConfigAnswer, client: GradioClient) async throws -> (connection: GradioConnection, space: SpaceEndpoint) {
        // `/info` names the parameters; worth a request only when the config lists inputs.
        var info: JSONValue?
        if case .config(let config) = answer, config.dependencies.contains(where: { !$0.inputs.isEmpty }) {
            info = await client.fetchInfo(config)
        }
        let space = try SpaceEndpoint.choose(answer, info: info, apiName: apiName, presetAllowed: QwenSpace.isHost(of: client.root))
        let connection = GradioConnection(
            root: client.root,
            config: space.config ?? .unknownApp,
            endpoint: space.chat.endpoint,
            fallbackReason: space.note
        )
        return (connection, space)
    }

    /// Runs `operation`; when the Space's host answers like a Space that is not running (a web
    /// page, 502, 503, or no connection at all), asks the Hub why, and waits with backoff while
    /// it wakes or builds, or stops with the Hub's one line (`SpaceWait`).
    ///
    /// With `askAtOnce`, the Hub's answer is requested beside the operation rather than before
    /// it: a running Space's first turn never waits on the Hub, whose answer is read only when
    /// the host fails (and the request is cancelled when it does not).
    /// The host's other transient errors (queue full, 429, a 503 while the Hub says it runs)
    /// are retried here `--retries` times, so the operation itself should not retry.
    private func awake<T>(
        _ hub: SpaceHub?,
        askAtOnce: Bool,
        canRetry: () -> Bool,
        post: (TurnDriver.Event) -> Void,
        _ operation: () async throws -> T
    ) async throws -> T {
        guard let hub else { return try await operation() }
        var early: Task<SpaceState, Never>? = askAtOnce ? Task { await hub.state() } : nil
        defer { early?.cancel() }
        var policy = SpaceWait(spaceID: hub.spaceID, budget: waitBudget, tokenSent: hub.sendsToken)
        let elapsed = Self.stopwatch(retry.clock)
        var hostRetries = 0
        while true {
            do {
                return try await operation()
            } catch let error as GradioError where (error.isTransient || error.code == .unreachable) && canRetry() {
                var decision = SpaceWait.Decision.proceed
                if error.code == .spaceDown || error.code == .unreachable {
                    let asking = early ?? Task { await hub.state() }
                    early = nil
                    let answer = await withTaskCancellationHandler { await asking.value } onCancel: { asking.cancel() }
                    if Task.isCancelled { throw GradioError(.cancelled, "cancelled") }
                    decision = policy.next(answer, elapsed: elapsed())
                }
                switch decision {
                case .fail(let message):
                    throw GradioError(.spaceDown, message)
                case .wait(let seconds, let status):
                    post(.waiting(status))
                    try await pause(seconds)
                case .proceed:
                    // Running by the Hub's word (or the Hub did not say): the host's usual retries.
                    guard error.isTransient, hostRetries < retry.maxRetries else { throw error }
                    hostRetries += 1
                    let seconds = retry.delay(forAttempt: hostRetries, unitRandom: Double.random(in: 0..<1))
                    post(.retrying(attempt: hostRetries, of: retry.maxRetries, delay: seconds, reason: error.message))
                    try await pause(seconds)
                }
            }
        }
    }

    /// Seconds since now on `clock`: the waits are timed on the clock they sleep on, so that
    /// `--wait` runs out in a test's clock as it does on the real one.
    private static func stopwatch<C: Clock<Duration>>(_ clock: C) -> () -> Double {
        let start = clock.now
        return { start.duration(to: clock.now) / .seconds(1) }
    }

    /// Sleeps on the retry policy's clock; Ctrl-C (a cancelled task) ends it at once.
    private func pause(_ seconds: Double) async throws {
        do {
            try await retry.clock.sleep(for: .nanoseconds(Int64(seconds * 1_000_000_000)))
        } catch {
            throw GradioError(.cancelled, "cancelled")
        }
    }
}
