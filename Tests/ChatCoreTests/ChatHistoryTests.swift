import TestSupport
import Testing
@testable import ChatCore
import GradioClient

private func config(_ path: String) throws -> GradioConfig {
    try GradioConfig(json: JSONValue.parse(Fixtures.bytes(path)))
}

private let two = [ChatExchange(user: "q1 你好", reply: "a1"), ChatExchange(user: "q2", reply: "a2 \"quoted\"")]

/// The history a chat function's chatbot takes, in each Gradio line's format, and which format
/// discovery picks for the recorded configs.
@Suite("Chat history formats")
struct ChatHistoryTests {
    @Test("tuples: [[user, reply], ...]")
    func tuples() throws {
        #expect(HistoryFormat.tuples.value(of: two).jsonText == #"[["q1 你好","a1"],["q2","a2 \"quoted\""]]"#)
        #expect(HistoryFormat.tuples.value(of: []) == .array([]))
    }

    @Test("messages: one user and one assistant message per exchange, content a string")
    func messages() throws {
        #expect(HistoryFormat.messages.value(of: two).jsonText
            == #"[{"role":"user","content":"q1 你好"},{"role":"assistant","content":"a1"},{"role":"user","content":"q2"},{"role":"assistant","content":"a2 \"quoted\""}]"#)
    }

    @Test("Gradio 6 messages: content is a list of text parts")
    func messageParts() throws {
        #expect(HistoryFormat.messageParts.value(of: [two[0]]).jsonText
            == #"[{"role":"user","content":[{"type":"text","text":"q1 你好"}]},{"role":"assistant","content":[{"type":"text","text":"a1"}]}]"#)
    }

    @Test("the format of each recorded app's history input", arguments: [
        ("gradio-4.44.1/config.json", HistoryFormat.tuples),
        ("shapes/gradio4-qwen.json", .messages),
        ("shapes/gradio5-maxdemo.json", .messages),
        ("shapes/gradio6-qwen.json", .messageParts),
        ("shapes/gradio6-maxdemo.json", .messageParts),
        ("gradio-6.31.0/config.json", .messageParts),
        ("shapes/gradio4-late.json", .messages),
        ("shapes/gradio5-chatinterface.json", .messages),
        ("shapes/gradio6-chatinterface.json", .messageParts),
    ])
    func discoveredFormat(path: String, format: HistoryFormat) throws {
        let chat = try ChatEndpoint.discover(in: try config(path))
        #expect(chat.historyFormat == format)
        #expect(chat.takesHistory)
    }

    @Test("a messages chatbot: the history goes in the chatbot input, oldest first")
    func chatbotRequest() throws {
        let chat = try ChatEndpoint.discover(in: try config("shapes/gradio4-maxdemo.json"))
        #expect(chat.historyPrimer == nil)
        let data = chat.requestData(message: "q3", systemPrompt: "S", model: nil, history: two)
        #expect(data[0] == .string("q3"))
        #expect(data[1] == HistoryFormat.messages.value(of: two))
        #expect(data[2] == .string("S"))
        #expect(chat.requestData(message: "q3", systemPrompt: "S", model: nil)[1] == .array([]))
        #expect(chat.primerData(history: two) == nil)
    }

    @Test("the Qwen2.5 Space's modelscopechatbot takes tuples")
    func qwenSpaceRequest() throws {
        let chat = try ChatEndpoint.discover(in: try config("gradio-4.44.1/config.json"))
        #expect(chat.requestData(message: "q3", systemPrompt: "S", model: "7B", history: two)
            == [.string("q3"), HistoryFormat.tuples.value(of: two), .string("S"), .string("7B")])
    }

    @Test("ChatInterface on 5.x and 6.x: the state is set through the event copying the chatbot into it")
    func chatInterfacePrimer() throws {
        for (path, format) in [("shapes/gradio5-chatinterface.json", HistoryFormat.messages), ("shapes/gradio6-chatinterface.json", .messageParts)] {
            let chat = try ChatEndpoint.discover(in: try config(path))
            #expect(chat.shape == .chatInterface)
            #expect(chat.historyPrimer?.fnIndex == 3, "\(path)")
            #expect(chat.primerData(history: two) == [format.value(of: two)])
            #expect(chat.primerData(history: []) == nil)
            // The join's own state value is ignored by the server: it stays empty.
            #expect(chat.requestData(message: "q", systemPrompt: nil, model: nil, history: two)[1] == .array([]))
        }
    }

    @Test("ChatInterface on 4.x: nothing writes its history state, so it takes no history")
    func chatInterfaceWithoutPrimer() throws {
        let chat = try ChatEndpoint.discover(in: try config("shapes/gradio4-chatinterface.json"))
        #expect(chat.shape == .chatInterface)
        #expect(chat.historyFormat == nil)
        #expect(chat.historyPrimer == nil)
        #expect(!chat.takesHistory)
        #expect(chat.requestData(message: "q", systemPrompt: nil, model: nil, history: two)[1] == .array([]))
    }

    @Test("an event a join cannot run (no Python function, or private on 6.x) is no primer")
    func uncallablePrimer() throws {
        var config = try config("shapes/gradio6-chatinterface.json")
        for index in config.dependencies.indices where config.dependencies[index].fnIndex == 3 {
            config.dependencies[index].isCallable = false
        }
        let chat = try ChatEndpoint.discover(in: config)
        // The next event copying the chatbot into the history state takes its place.
        #expect(chat.historyPrimer.map(\.fnIndex) != 3)
        for index in config.dependencies.indices where config.dependencies[index].fnIndex != 6 {
            config.dependencies[index].isCallable = false
        }
        let none = try ChatEndpoint.discover(in: config)
        #expect(none.historyPrimer == nil)
        #expect(!none.takesHistory)
    }

    @Test("an endpoint without a history input takes none")
    func noHistoryInput() throws {
        let chat = try ChatEndpoint.discover(in: try config("shapes/gradio5-late.json"), apiName: "shout")
        #expect(!chat.inputs.contains { $0.role == .history })
        #expect(!chat.takesHistory)
    }
}

@Suite("Which events a join can run")
struct CallableDependencyTests {
    @Test("backend_fn false and private (6.x) are not callable; hidden and undocumented are")
    func callable() throws {
        let config = try GradioConfig(json: JSONValue.parse(Fixtures.bytes("shapes/gradio6-chatinterface.json")))
        let byIndex = Dictionary(uniqueKeysWithValues: config.dependencies.map { ($0.fnIndex, $0) })
        #expect(byIndex[3]?.isCallable == true && byIndex[3]?.isPublic == false)
        #expect(byIndex[18]?.isCallable == false)
        #expect(byIndex[6]?.isCallable == true)
    }
}
