import TestSupport
import Testing
@testable import ChatCore
import GradioClient

private func config(_ path: String) throws -> GradioConfig {
    try GradioConfig(json: JSONValue.parse(Fixtures.bytes(path)))
}

@Suite("SpaceEndpoint: discovery, the Qwen2.5 preset and the description")
struct SpaceEndpointTests {
    @Test("no config: the preset at fn_index 3, with a note")
    func noConfig() throws {
        let space = try SpaceEndpoint.choose(.unavailable("could not read the app's config (HTTP 404)"), apiName: nil)
        #expect(space.config == nil)
        #expect(space.chat == QwenSpace.preset())
        #expect(space.chat.endpoint == QwenSpace.fallbackEndpoint)
        #expect(space.note == "could not read the app's config (HTTP 404); using fn_index 3")
        #expect(space.chat.requestData(message: "q", systemPrompt: "S", model: "7B") == QwenSpace.requestData(userTurn: "q", systemPrompt: "S", modelSize: "7B"))
        // Another endpoint cannot be found without a config.
        #expect(throws: GradioError.self) { try SpaceEndpoint.choose(.unavailable("no config"), apiName: "respond") }
    }

    @Test("a config naming model_chat without components: the preset at its fn_index")
    func configWithoutComponents() throws {
        let json = try JSONValue.parse(#"{"version":"4.44.1","protocol":"sse_v3","components":[],"dependencies":[{"id":7,"api_name":"model_chat","targets":[[25,"submit"]]}]}"#)
        let space = try SpaceEndpoint.choose(.config(try GradioConfig(json: json)), apiName: nil)
        #expect(space.chat.endpoint == GradioEndpoint(apiName: "model_chat", fnIndex: 7, triggerID: 25))
        #expect(space.chat.inputs == QwenSpace.preset().inputs)
        #expect(space.note == nil)
    }

    @Test("the real Space: discovered, with its twelve sizes")
    func realSpace() throws {
        let space = try SpaceEndpoint.choose(.config(try config("gradio-4.44.1/config.json")), apiName: nil)
        #expect(space.chat.endpoint == QwenSpace.fallbackEndpoint)
        #expect(space.chat.modelChoices == QwenSpace.modelSizes)
        #expect(try space.model(for: "math-7b") == "Math-7B")
        #expect(throws: SpaceEndpoint.ModelError.self) { try space.model(for: "99B") }
    }

    @Test("no chat endpoint and no model_chat: endpointNotFound")
    func noChat() throws {
        let answer = ConfigAnswer.config(try config("shapes/gradio5-nochat.json"))
        #expect(throws: GradioError.self) { try SpaceEndpoint.choose(answer, apiName: nil) }
    }

    @Test("--model on a Space without a model input is refused")
    func noModelInput() throws {
        let space = try SpaceEndpoint.choose(.config(try config("shapes/gradio6-maxdemo.json")), apiName: nil)
        do {
            _ = try space.model(for: "7B")
            Issue.record("no error")
        } catch {
            #expect(error.description == "this Space's chat endpoint has no model choice; leave out --model")
        }
    }

    @Test("the description of a ChatInterface with sliders-free inputs, and in /info")
    func description() throws {
        let space = try SpaceEndpoint.choose(.config(try config("gradio-6.31.0/config.json")), apiName: nil)
        #expect(space.description == """
            gradio: 6.31.0, protocol sse_v3, api prefix /gradio_api
            endpoint: /chat (fn_index 6, chat interface); reply from output 0 (json)
            inputs:
              0 textbox "": the message
              1 state: history, sent empty; with --context the earlier turns (messages with content parts, set first through fn_index 3)
              2 textbox "System": the system prompt (--system)
            """)
        var info = ChatInfo(endpoint: "http://x", server: (space.config!, space.chat.endpoint), settings: ChatSettings(), turns: 0, characters: 0,
                            sessionFile: nil, inputHistory: nil, space: space)
        #expect(info.text.contains("gradio: 6.31.0 (sse_v3), chat = fn_index 6\n  endpoint: /chat (fn_index 6, chat interface)"))
        #expect(info.text.contains("\n    2 textbox \"System\": the system prompt (--system)\n"))
        info.space = nil
        #expect(!info.text.contains("inputs:"))
    }
}

@Suite("/model with the Space's choices")
struct ModelChoicesTests {
    @Test func offeredChoices() {
        var controller = ChatController()
        // Before the Space is known any name is taken, and checked once it is.
        #expect(controller.handle(.line("/model qwen-max"), now: 1) == [.show("model set to qwen-max")])
        controller.knowSpace(.init(model: "qwen-max", systemPrompt: nil, takesSystemPrompt: false), modelChoices: ["qwen-turbo", "qwen-max", "qwen-plus"])
        #expect(controller.settings.modelSize == "qwen-max")
        #expect(controller.handle(.line("/model QWEN-PLUS"), now: 2) == [.show("model set to qwen-plus")])
        #expect(controller.settings.modelSize == "qwen-plus")
        #expect(controller.handle(.line("/model 7B"), now: 3) == [.showError("unknown model size '7B'; choose one of qwen-turbo qwen-max qwen-plus")])
        #expect(controller.handle(.line("/model reset"), now: 4) == [.show("model reset to the Space's own: qwen-max")])
        #expect(controller.settings.modelSize == nil && controller.modelInUse == "qwen-max")
        controller.knowSpace(.init(model: nil, systemPrompt: nil, takesSystemPrompt: false), modelChoices: [])
        #expect(controller.handle(.line("/model 7B"), now: 5) == [.showError("this Space's chat endpoint has no model choice")])
        #expect(controller.handle(.line("/model"), now: 6) == [.show("model: the Space's own (its chat endpoint has no model choice)")])
        // A chosen model the next Space does not offer gives way to its own.
        _ = controller.handle(.line("/space o/n"), now: 7)
        _ = controller.handle(.line("/model 3B"), now: 8)
        controller.knowSpace(QwenSpace.spaceDefaults, modelChoices: QwenSpace.modelSizes)
        #expect(controller.settings.modelSize == "3B")
        _ = controller.handle(.line("/space o/m"), now: 9)
        controller.knowSpace(.init(model: "qwen3-8b", systemPrompt: nil, takesSystemPrompt: true), modelChoices: ["qwen3-8b"])
        #expect(controller.settings.modelSize == nil && controller.modelInUse == "qwen3-8b")
    }
}

@Suite("The Space's own: a setting nobody chose is nil")
struct SpaceDefaultsTests {
    @Test func nilStandsForTheSpacesOwn() {
        var controller = ChatController()
        #expect(controller.handle(.line("/system"), now: 1) == [.show("system prompt: the Space's own")])
        #expect(controller.handle(.line("/model"), now: 2) == [.show("model: the Space's own")])
        controller.knowSpace(.init(model: "small", systemPrompt: "You are terse.", takesSystemPrompt: true), modelChoices: ["small", "large"])
        #expect(controller.settings.systemPrompt == nil && controller.settings.modelSize == nil)
        #expect(controller.handle(.line("/system"), now: 3) == [.show("system prompt: the Space's own: You are terse.")])
        #expect(controller.handle(.line("/model"), now: 4) == [.show("model: small (the Space's own) (choices: small large)")])
        _ = controller.handle(.line("/system Be brief."), now: 5)
        _ = controller.handle(.line("/model LARGE"), now: 6)
        let sent = controller.handle(.line("hi"), now: 7)
        #expect(sent.contains(.send(index: 0, userTurn: "hi", systemPrompt: "Be brief.", modelSize: "large", context: [])))
        _ = controller.handle(.replyFinished(nil), now: 8)
        #expect(controller.handle(.line("/system reset"), now: 9) == [.show("system prompt reset to the Space's own: You are terse.")])
        _ = controller.handle(.line("/model reset"), now: 10)
        // Reset: nothing is sent for them, and the Space uses its own; the transcript records what it used.
        let own = controller.handle(.line("again"), now: 11)
        #expect(own.contains(.send(index: 1, userTurn: "again", systemPrompt: nil, modelSize: nil, context: [])))
        #expect(own.contains(.journal(.turn(index: 1, user: "again", system: "You are terse.", model: "small", time: 11, context: 0))))
    }

    @Test func aSpaceWithoutASystemPromptSaysSo() {
        var controller = ChatController()
        controller.knowSpace(.init(model: nil, systemPrompt: nil, takesSystemPrompt: false), modelChoices: [])
        #expect(controller.handle(.line("/system"), now: 1) == [.show("system prompt: none (this Space's chat endpoint takes no system prompt)")])
        #expect(!ChatController.systemText(controller.settings, controller.spaceDefaults).contains("Qwen"))
    }
}

@Suite("SpaceEndpoint: no usable config on an unknown app")
struct SpaceEndpointUnknownAppTests {
    @Test("the Qwen2.5 preset only for the Qwen2.5 Space's own host")
    func presetOnlyOnQwenHost() throws {
        #expect(throws: GradioError.self) {
            try SpaceEndpoint.choose(.unavailable("the app's answer to /config is not a Gradio config"), apiName: nil, presetAllowed: false)
        }
        #expect(QwenSpace.isHost(of: "https://qwen-qwen2-5.hf.space"))
        #expect(QwenSpace.isHost(of: "https://QWEN-qwen2-5.hf.space/"))
        #expect(!QwenSpace.isHost(of: "http://qwen-qwen2-5.hf.space"))
        #expect(!QwenSpace.isHost(of: "https://qwen-qwen2-5.hf.space.attacker.example"))
        #expect(!QwenSpace.isHost(of: "http://127.0.0.1:7860"))
    }
}
