import GradioClient

extension GradioClient {
    /// Submits one turn of a chat function: `data` from `chat.requestData`, and, for a history
    /// state, `history` set first through the endpoint's primer event in the same session (the
    /// server takes a state's value from the session, never from the join).
    public func submitTurn(
        _ connection: GradioConnection,
        chat: ChatEndpoint,
        data: [JSONValue],
        history: [ChatExchange],
        retry: RetryPolicy = .none,
        onEvent: (JobEvent, _ outputs: [JSONValue]) throws -> Void
    ) async throws {
        var primerConnection = connection
        primerConnection.endpoint = chat.historyPrimer ?? connection.endpoint
        let primerData = chat.primerData(history: history)
        // Primed before every join: a retried join may use a new session.
        try await submit(connection, data: data, sessionHash: GradioClient.makeSessionHash(), retry: retry, prepare: { sessionHash in
            guard let primerData else { return }
            try await submit(primerConnection, data: primerData, sessionHash: sessionHash) { _, _ in }
        }, onEvent: onEvent)
    }
}
