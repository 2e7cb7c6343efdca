import GradioClient

/// How a turn asks a Space to think: nil leaves the Space's own setting.
public struct ThinkingRequest: Sendable, Equatable {
    /// `/think on|off`, on a Space with a thinking switch (it starts on).
    public var on: Bool?
    /// `/think budget N`, on a Space whose settings take a thinking budget.
    public var budget: Int?

    public init(on: Bool? = nil, budget: Int? = nil) {
        self.on = on
        self.budget = budget
    }
}

extension GradioClient {
    /// Submits one turn of a chat function: `data` from `chat.requestData`, and, for a history
    /// state, `history` set first through the endpoint's primer event in the same session (the
    /// server takes a state's value from the session, never from the join).
    /// - Parameter flipThinking: join the endpoint's thinking switch first, in the same session
    ///   (a fresh session starts with the Space's own setting).
    /// - Parameter sessionHash: the session to join (one kept for a conversation in the
    ///   Space's session); a fresh one by default.
    /// - Returns: the session the turn ended in (a retry may move to a new one).
    @discardableResult
    public func submitTurn(
        _ connection: GradioConnection,
        chat: ChatEndpoint,
        data: [JSONValue],
        history: [ChatExchange],
        retry: RetryPolicy = .none,
        flipThinking: Bool = false,
        sessionHash: String = GradioClient.makeSessionHash(),
        onEvent: (JobEvent, _ outputs: [JSONValue]) throws -> Void
    ) async throws -> String {
        var primerConnection = connection
        primerConnection.endpoint = chat.historyPrimer ?? connection.endpoint
        let primerData = chat.primerData(history: history)
        var switchConnection = connection
        switchConnection.endpoint = chat.thinkingSwitch ?? connection.endpoint
        let flip = flipThinking && chat.thinkingSwitch != nil
        // Primed before every join: a retried join may use a new session. The switch flips a
        // state, so it is pressed once per session (a join retried in the same one keeps it).
        var used = sessionHash
        var flipped: Set<String> = []
        try await submit(connection, data: data, sessionHash: sessionHash, retry: retry, prepare: { sessionHash in
            used = sessionHash
            if flip, !flipped.contains(sessionHash) {
                try await submit(switchConnection, data: [.null], sessionHash: sessionHash) { _, _ in }
                flipped.insert(sessionHash)
            }
            guard let primerData else { return }
            try await submit(primerConnection, data: primerData, sessionHash: sessionHash) { _, _ in }
        }, onEvent: onEvent)
        return used
    }
}
