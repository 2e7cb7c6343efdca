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
        let sessionHash = GradioClient.makeSessionHash()
        if let primer = chat.historyPrimer, let primerData = chat.primerData(history: history) {
            var primerConnection = connection
            primerConnection.endpoint = primer
            try await submit(primerConnection, data: primerData, sessionHash: sessionHash, retry: retry) { _, _ in }
        }
        try await submit(connection, data: data, sessionHash: sessionHash, retry: retry, onEvent: onEvent)
    }
}
