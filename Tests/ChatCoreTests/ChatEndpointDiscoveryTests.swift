import TestSupport
import Testing
@testable import ChatCore
import GradioClient

private func config(_ path: String) throws -> GradioConfig {
    try GradioConfig(json: JSONValue.parse(Fixtures.bytes(path)))
}

private func roles(_ chat: ChatEndpoint) -> [String] {
    chat.inputs.map { input in
        switch input.role {
        case .message: "message"
        case .history: "history"
        case .systemPrompt: "system"
        case .model(let choices): "model[\(choices.joined(separator: ","))]"
        case .slider(let minimum, let maximum, let step): "slider[\(minimum ?? -1),\(maximum ?? -1),\(step ?? -1)]"
        case .fixed: "fixed"
        case .form(let form): "form[\(form.systemKey ?? "-"),\(form.modelKey ?? "-")]"
        }
    }
}

/// Configs recorded from real Gradio servers (the Qwen2.5 Space, harness/shapes/app.py).
@Suite("Chat endpoint discovery by signature")
struct ChatEndpointDiscoveryTests {
    @Test func qwenSpace() throws {
        let chat = try ChatEndpoint.discover(in: try config("gradio-4.44.1/config.json"))
        #expect(chat.endpoint == GradioEndpoint(apiName: "model_chat", fnIndex: 3, triggerID: 25))
        #expect(chat.shape == .chatbot)
        // The hidden radio has no choices: they come from the three radios whose events write it.
        #expect(roles(chat) == ["message", "history", "system",
                                "model[72B,32B,14B,7B,3B,1.5B,0.5B,Math-72B,Math-7B,Math-1.5B,Coder-7B,Coder-1.5B]"])
        #expect(chat.replyOutputIndex == 1)
        #expect(chat.replyOutputType == "modelscopechatbot")
        #expect(chat.defaultModel == "72B")
        #expect(chat.requestData(message: "hi", systemPrompt: "S", model: nil) == [.string("hi"), .array([]), .string("S"), .string("72B")])
        #expect(chat.requestData(message: "hi", systemPrompt: nil, model: "7B") == [.string("hi"), .array([]), .string("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."), .string("7B")])
        #expect(chat.canonicalModel("coder-7b") == "Coder-7B")
        #expect(chat.canonicalModel("99B") == nil)
    }

    @Test func chatInterfaceOnGradio6Capture() throws {
        let chat = try ChatEndpoint.discover(in: try config("gradio-6.31.0/config.json"))
        #expect(chat.endpoint == GradioEndpoint(apiName: "chat", fnIndex: 6, triggerID: 12))
        #expect(chat.shape == .chatInterface)
        #expect(roles(chat) == ["message", "history", "system"])
        #expect(chat.replyOutputIndex == 0)
        #expect(chat.modelChoices == nil)
        #expect(chat.requestData(message: "Say hello", systemPrompt: "You are helpful.", model: nil)
                == [.string("Say hello"), .array([]), .string("You are helpful.")])
    }

    @Test("every shape on every Gradio line", arguments: [4, 5, 6])
    func shapes(version: Int) throws {
        let qwen = try ChatEndpoint.discover(in: try config("shapes/gradio\(version)-qwen.json"))
        #expect(qwen.endpoint.apiName == "model_chat")
        #expect(roles(qwen) == ["message", "history", "system", "model[72B,32B,14B,7B,3B,1.5B,0.5B]"])
        #expect(qwen.replyOutputIndex == 1 && qwen.replyOutputType == "chatbot")

        let interface = try ChatEndpoint.discover(in: try config("shapes/gradio\(version)-chatinterface.json"))
        // 4.x and 5.x name it `chat`; 6.x names it after the function.
        #expect(interface.endpoint.apiName == (version == 6 ? "interface_chat" : "chat"))
        #expect(interface.shape == .chatInterface)
        #expect(roles(interface) == ["message", "history", "system", "model[72B,32B,14B,7B,3B,1.5B,0.5B]"])
        #expect(interface.defaultModel == "7B")
        #expect(interface.replyOutputIndex == 0)

        let max = try ChatEndpoint.discover(in: try config("shapes/gradio\(version)-maxdemo.json"))
        #expect(max.shape == .chatbot)
        #expect(roles(max) == ["message", "history", "system"])
        #expect(max.inputs[2].defaultValue == .string("You are a helpful assistant."))
        #expect(max.replyOutputIndex == 1)

        let late = try ChatEndpoint.discover(in: try config("shapes/gradio\(version)-late.json"))
        #expect(late.endpoint.apiName == "respond")
        #expect(roles(late) == ["message", "history", "slider[0.0,2.0,0.1]", "slider[1.0,4096.0,1.0]"])
        #expect(late.requestData(message: "m", systemPrompt: "S", model: nil) == [.string("m"), .array([]), .number("0.7"), .number("512")])
        #expect(!late.takesSystemPrompt)
        #expect(late.replyOutputIndex == 0)

        // One more event before the chat event: another fn_index, the same endpoint and inputs.
        let extra = try ChatEndpoint.discover(in: try config("shapes/gradio\(version)-late-extra.json"))
        #expect(extra.endpoint.apiName == "respond")
        #expect(extra.endpoint.fnIndex == late.endpoint.fnIndex + 1)
        #expect(roles(extra) == roles(late))
        #expect(extra.inputs.map(\.label) == late.inputs.map(\.label))

        #expect(throws: GradioError.self) { try ChatEndpoint.discover(in: try config("shapes/gradio\(version)-nochat.json")) }


        // gr.ChatInterface(multimodal=True): the message is a multimodal textbox, sent as {text, files}.
        let multimodal = try ChatEndpoint.discover(in: try config("shapes/gradio\(version)-multimodal.json"))
        #expect(multimodal.endpoint.apiName == (version == 6 ? "multimodal_chat" : "chat"))
        #expect(multimodal.shape == .chatInterface)
        #expect(roles(multimodal) == ["message", "history", "system"])
        #expect(multimodal.inputs[0].type == "multimodaltextbox")
        #expect(multimodal.requestData(message: "hi", systemPrompt: "S", model: nil).first?.jsonText == #"{"text":"hi","files":[]}"#)
    }

    @Test("--api-name picks the endpoint; unknown names list the app's endpoints")
    func apiName() throws {
        let qwen = try config("gradio-4.44.1/config.json")
        #expect(try ChatEndpoint.discover(in: qwen, apiName: "/model_chat_1").endpoint.fnIndex == 4)
        let late = try config("shapes/gradio5-late.json")
        do {
            _ = try ChatEndpoint.discover(in: late, apiName: "nope")
            Issue.record("no error")
        } catch {
            #expect(error.code == .endpointNotFound)
            #expect(error.message == "the app has no endpoint 'nope'; its endpoints: shout, count, respond")
        }
        do {
            _ = try ChatEndpoint.discover(in: late, apiName: "count")
            Issue.record("no error")
        } catch {
            #expect(error.code == .endpointNotFound)
        }
    }

    @Test("no chat endpoint is endpointNotFound with one line")
    func noChat() throws {
        let noChat = try config("shapes/gradio6-nochat.json")
        do {
            _ = try ChatEndpoint.discover(in: noChat)
            Issue.record("no error")
        } catch {
            #expect(error.code == .endpointNotFound)
            #expect(!error.message.contains("\n"))
        }
    }

    @Test("components: choices as pairs or bare values, slider ranges, visibility")
    func components() throws {
        let json = try JSONValue.parse(#"""
        {"version":"4.44.1","protocol":"sse_v3","components":[
          {"id":1,"type":"textbox","props":{"label":"Message"}},
          {"id":2,"type":"chatbot","props":{"value":[]}},
          {"id":3,"type":"dropdown","props":{"choices":[["Big","big"],["Small","small"]],"value":"small","label":"Model"}},
          {"id":4,"type":"radio","props":{"choices":["a","b"]}},
          {"id":5,"type":"slider","props":{"minimum":0,"maximum":1,"step":0.05,"value":0.3}}],
         "dependencies":[
          {"id":0,"targets":[[1,"submit"]],"inputs":[1,2],"outputs":[2],"api_name":"hidden","show_api":false},
          {"id":1,"targets":[[1,"submit"]],"inputs":[1,2,3,4,5],"outputs":[1,2],"api_name":"chat"}]}
        """#)
        let config = try GradioConfig(json: json)
        #expect(config.components[3]?.choices == ["big", "small"])
        #expect(config.components[4]?.choices == ["a", "b"])
        #expect(config.dependencies[0].isPublic == false)
        let chat = try ChatEndpoint.discover(in: config)
        // The public event wins over an earlier hidden one.
        #expect(chat.endpoint.apiName == "chat")
        #expect(roles(chat) == ["message", "history", "model[big,small]", "fixed", "slider[0.0,1.0,0.05]"])
        #expect(chat.requestData(message: "x", systemPrompt: "S", model: nil) == [.string("x"), .array([]), .string("small"), .null, .number("0.3")])
    }

    @Test("a choice labelled model wins over an earlier radio")
    func modelByLabel() throws {
        let json = try JSONValue.parse(#"""
        {"version":"5.50.0","protocol":"sse_v3","api_prefix":"/gradio_api","components":[
          {"id":1,"type":"textbox","props":{"label":"Query"}},
          {"id":2,"type":"chatbot","props":{}},
          {"id":3,"type":"radio","props":{"choices":[["English","en"],["中文","zh"]],"value":"en","label":"Language"}},
          {"id":4,"type":"dropdown","props":{"choices":[["qwen-max","qwen-max"]],"value":"qwen-max","label":"Model name"}},
          {"id":5,"type":"textbox","props":{"label":"System Prompt","value":"Be nice."}}],
         "dependencies":[{"id":0,"targets":[[1,"submit"]],"inputs":[1,2,3,4,5],"outputs":[1,2],"api_name":"chat","show_api":true}]}
        """#)
        let chat = try ChatEndpoint.discover(in: try GradioConfig(json: json))
        #expect(roles(chat) == ["message", "history", "fixed", "model[qwen-max]", "system"])
        #expect(chat.requestData(message: "x", systemPrompt: nil, model: nil) == [.string("x"), .array([]), .string("en"), .string("qwen-max"), .string("Be nice.")])
    }

    @Test("/info: parameter names by input position, states left out")
    func infoNames() throws {
        let info = try JSONValue.parse(Fixtures.bytes("gradio-6.31.0/info.json"))
        let chat = try ChatEndpoint.discover(in: try config("gradio-6.31.0/config.json"), info: info)
        #expect(chat.inputs.map(\.parameterName) == ["message", nil, "system"])
    }

    @Test("/info: a parameter named system marks the system prompt, whatever the textbox order")
    func systemByParameterName() throws {
        let json = try JSONValue.parse(#"""
        {"version":"5.50.0","protocol":"sse_v3","components":[
          {"id":1,"type":"textbox","props":{"label":"Persona","value":"Be nice."}},
          {"id":2,"type":"textbox","props":{"label":"Ask"}},
          {"id":3,"type":"chatbot","props":{}}],
         "dependencies":[{"id":0,"targets":[[2,"submit"]],"inputs":[1,2,3],"outputs":[3],"api_name":"go"}]}
        """#)
        let config = try GradioConfig(json: json)
        // Without names, the first textbox is taken for the message and the second for the system prompt.
        #expect(roles(try ChatEndpoint.discover(in: config)) == ["message", "system", "history"])
        let info = try JSONValue.parse(#"{"named_endpoints":{"/go":{"parameters":[{"parameter_name":"system_prompt"},{"parameter_name":"question"},{"parameter_name":"history"}]}}}"#)
        let chat = try ChatEndpoint.discover(in: config, info: info)
        #expect(roles(chat) == ["system", "message", "history"])
        #expect(chat.requestData(message: "q", systemPrompt: nil, model: nil) == [.string("Be nice."), .string("q"), .array([])])
        // A count that does not match is not used.
        let short = try JSONValue.parse(#"{"named_endpoints":{"/go":{"parameters":[{"parameter_name":"system_prompt"}]}}}"#)
        #expect(try ChatEndpoint.discover(in: config, info: short).inputs.allSatisfy { $0.parameterName == nil })
    }
}

@Suite("Discovery: a message in, a chatbot out, settings in a form (Qwen3-Demo's layout)")
struct FormDiscoveryTests {
    private let config = #"""
    {"version":"5.27.0","protocol":"sse_v3","api_prefix":"/gradio_api",
     "components":[
       {"id":10,"type":"antdxsender","props":{"value":""}},
       {"id":11,"type":"antdform","props":{"value":{"model":"qwen3-235b-a22b","sys_prompt":"You are a helpful and harmless assistant.","thinking_budget":38}}},
       {"id":12,"type":"antdselect","props":{"options":[{"label":"qwen3-235b-a22b","value":"qwen3-235b-a22b"},{"label":"qwen3-32b","value":"qwen3-32b"}]}},
       {"id":13,"type":"state","props":{"value":null}},
       {"id":14,"type":"state","props":{"value":true}},
       {"id":15,"type":"modelscopeprochatbot","props":{"value":[]}},
       {"id":16,"type":"antdbutton","props":{}}],
     "dependencies":[
       {"id":0,"api_name":"toggle_thinking","targets":[[16,"click"]],"inputs":[14],"outputs":[14]},
       {"id":1,"api_name":"add_message","targets":[[10,"submit"]],"inputs":[10,11,13,13],"outputs":[10,16,15,13]}]}
    """#

    @Test("the Sender is the message, the form's members the system prompt and the model")
    func qwen3Layout() throws {
        let chat = try ChatEndpoint.discover(in: GradioConfig(json: JSONValue.parse(config)))
        #expect(chat.endpoint == GradioEndpoint(apiName: "add_message", fnIndex: 1, triggerID: 10))
        #expect(chat.replyOutputIndex == 2)
        #expect(!chat.takesHistory)
        #expect(chat.modelChoices == ["qwen3-235b-a22b", "qwen3-32b"])
        #expect(chat.defaultModel == "qwen3-235b-a22b")
        #expect(chat.systemDefault == "You are a helpful and harmless assistant.")
        let data = chat.requestData(message: "hello", systemPrompt: "Be brief.", model: "qwen3-32b")
        #expect(data[0] == .string("hello"))
        #expect(data[1].isSemanticallyEqual(to: try JSONValue.parse(#"{"model":"qwen3-32b","sys_prompt":"Be brief.","thinking_budget":38}"#)))
        let defaults = chat.requestData(message: "hello", systemPrompt: nil, model: nil)
        #expect(defaults[1].isSemanticallyEqual(to: try JSONValue.parse(#"{"model":"qwen3-235b-a22b","sys_prompt":"You are a helpful and harmless assistant.","thinking_budget":38}"#)))
    }
}

@Suite("Discovery on Qwen3-Demo's recorded config (harness/qwen3_demo, Gradio 5.27.0)")
struct Qwen3DemoConfigTests {
    @Test("add_message with its form, its eight models, its budget and its thinking switch")
    func recorded() throws {
        let chat = try ChatEndpoint.discover(in: config("qwen3-demo/config.json"), info: JSONValue.parse(Fixtures.bytes("qwen3-demo/info.json")))
        #expect(chat.endpoint == GradioEndpoint(apiName: "add_message", fnIndex: 13, triggerID: 31))
        #expect(roles(chat) == ["message", "form[sys_prompt,model]", "fixed", "fixed"])
        #expect(chat.modelChoices?.count == 8)
        #expect(chat.defaultModel == "qwen3-235b-a22b")
        #expect(chat.takesThinkingBudget)
        #expect(chat.thinkingSwitch?.apiName == "toggle_thinking")
        #expect(chat.thinkingSwitch?.fnIndex == 3)
        let data = chat.requestData(message: "hi", systemPrompt: nil, model: "qwen3-8b", thinkingBudget: 5)
        #expect(data[1]["model"] == .string("qwen3-8b"))
        #expect(data[1]["thinking_budget"]?.intValue == 5)
        #expect(data[1]["sys_prompt"] == .string("You are a helpful and harmless assistant."))
    }

    @Test("/think parses on, off and a budget")
    func thinkCommand() {
        #expect(SlashCommand.parse("/think") == .success(.think(.show)))
        #expect(SlashCommand.parse("/think off") == .success(.think(.on(false))))
        #expect(SlashCommand.parse("/think budget 5") == .success(.think(.budget(5))))
        #expect((try? SlashCommand.parse("/think budget 0").get()) == nil)
        var controller = ChatController(settings: ChatSettings())
        #expect(controller.handle(.line("/think off"), now: 1) == [.show("think: off; budget: the Space's own")])
        #expect(controller.settings.think == ThinkingRequest(on: false, budget: nil))
    }
}
