import Synchronization
import TestSupport
import Testing
@testable import ChatCore
import GradioClient

/// `submitTurn` on a `gr.ChatInterface` whose history is a session state: the primer event sets
/// it, in the same session as the chat join, again before every retried join.
@Suite("A chat turn with a history primer")
struct ChatTurnTests {
    static let chat = ChatEndpoint(
        endpoint: GradioEndpoint(apiName: "chat", fnIndex: 6, triggerID: 12),
        shape: .chatInterface,
        inputs: [
            .init(componentID: 1, type: "textbox", label: nil, role: .message, defaultValue: .string("")),
            .init(componentID: 2, type: "state", label: nil, role: .history, defaultValue: .null),
        ],
        replyOutputIndex: 0,
        replyOutputType: "json",
        historyFormat: .messages,
        historyPrimer: GradioEndpoint(apiName: "lambda", fnIndex: 3, triggerID: 9)
    )

    static func completed(_ eventID: String, _ value: String) -> FakeTransport.Reply {
        .stream(status: 200, chunks: [Array(#"data: {"msg":"process_completed","event_id":"\#(eventID)","output":{"data":[\#(value)]},"success":true}"#.utf8) + [10, 10]], end: .eof)
    }

    @Test("a join refused (queue full) is retried in a new session, primed again first")
    func primedAgainAfterARetry() async throws {
        // The chat join fails once with a full queue; the data stream answers the event just joined.
        let state = Mutex((chatJoins: 0, lastEvent: ""))
        let transport = FakeTransport { request in
            let body = String(decoding: request.body ?? [], as: UTF8.self)
            if request.url.hasSuffix("/queue/join") {
                let isPrimer = body.contains(#""fn_index":3"#)
                if !isPrimer {
                    let first = state.withLock { $0.chatJoins += 1; return $0.chatJoins == 1 }
                    if first { return .json(503, #"{"detail":"Queue is full! Please try again."}"#) }
                }
                let id = isPrimer ? "p" : "c"
                state.withLock { $0.lastEvent = id }
                return .json(200, #"{"event_id":"\#(id)"}"#)
            }
            let id = state.withLock { $0.lastEvent }
            return ChatTurnTests.completed(id, id == "p" ? "null" : #""the reply""#)
        }
        let client = GradioClient(root: "http://space.test", transport: transport)
        let connection = GradioConnection(root: client.root, config: .unknownApp, endpoint: Self.chat.endpoint)
        let history = [ChatExchange(user: "earlier", reply: "answer")]
        var final: [JSONValue] = []
        try await client.submitTurn(connection, chat: Self.chat, data: Self.chat.requestData(message: "now", systemPrompt: nil, model: nil, history: history),
                                    history: history, retry: RetryPolicy(maxRetries: 2, clock: ImmediateClock())) { event, outputs in
            if case .completed = event { final = outputs }
        }
        #expect(final.first == .string("the reply"))

        let joins = transport.requests.filter { $0.url.hasSuffix("/queue/join") }.map { try! JSONValue.parse($0.body ?? []) }
        #expect(joins.map { $0["fn_index"]?.jsonText } == ["3", "6", "3", "6"])
        // Each chat join is in the session its primer just set.
        #expect(joins[0]["session_hash"] == joins[1]["session_hash"])
        #expect(joins[2]["session_hash"] == joins[3]["session_hash"])
        #expect(joins[2]["data"]?.jsonText == #"[[{"role":"user","content":"earlier"},{"role":"assistant","content":"answer"}]]"#)
    }

    @Test("no earlier turns: no primer join")
    func nothingToPrime() async throws {
        let transport = FakeTransport(join: .json(200, #"{"event_id":"c"}"#), data: Self.completed("c", #""hi""#))
        let client = GradioClient(root: "http://space.test", transport: transport)
        let connection = GradioConnection(root: client.root, config: .unknownApp, endpoint: Self.chat.endpoint)
        try await client.submitTurn(connection, chat: Self.chat, data: Self.chat.requestData(message: "now", systemPrompt: nil, model: nil), history: []) { _, _ in }
        #expect(transport.requests.filter { $0.url.hasSuffix("/queue/join") }.count == 1)
    }
}
