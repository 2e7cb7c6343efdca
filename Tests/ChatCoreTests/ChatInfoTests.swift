import ChatCore
import GradioClient
import Testing

@Suite("/info text")
struct ChatInfoTests {
    @Test("before and after connecting, with and without a session file and input history")
    func lines() {
        var settings = ChatSettings()
        settings.modelSize = "7B"
        settings.systemPrompt = "Be brief."
        var info = ChatInfo(endpoint: "https://qwen-qwen2-5.hf.space", server: nil, settings: settings, turns: 1, characters: 12,
                            sessionFile: nil, inputHistory: nil)
        #expect(info.text == """
            endpoint: https://qwen-qwen2-5.hf.space
            gradio: not connected yet
            model: Qwen2.5-7B
            system prompt: Be brief.
            context: off (only the system prompt and the latest message are sent; /context on sends earlier turns)
            transcript: 1 turn, 12 characters
            """)
        info.server = (GradioConfig(version: "4.44.1", protocolName: "sse_v3", apiPrefix: "", dependencies: []),
                       GradioEndpoint(apiName: QwenSpace.apiName, fnIndex: 4, triggerID: nil))
        info.turns = 2
        info.sessionFile = "/d/s.jsonl"
        info.inputHistory = "off"
        #expect(info.text.split(separator: "\n").map(String.init) == [
            "endpoint: https://qwen-qwen2-5.hf.space",
            "gradio: 4.44.1 (sse_v3), \(QwenSpace.apiName) = fn_index 4",
            "model: Qwen2.5-7B", "system prompt: Be brief.",
            "context: off (only the system prompt and the latest message are sent; /context on sends earlier turns)",
            "transcript: 2 turns, 12 characters",
            "session file: /d/s.jsonl", "input history: off",
        ])
    }

    @Test("the Hub's hardware, ZeroGPU in words")
    func hardware() {
        let zero = ChatInfo(endpoint: "Qwen/Qwen2.5 (https://qwen-qwen2-5.hf.space)", server: nil, settings: ChatSettings(), turns: 0, characters: 0,
                            sessionFile: nil, inputHistory: nil, hardware: "zero-a10g")
        #expect(zero.text.split(separator: "\n").dropFirst().first == "hardware: zero-a10g (ZeroGPU: a GPU lent for each task, within a daily quota; a token gets a larger one)")
        let cpu = ChatInfo(endpoint: "o/n", server: nil, settings: ChatSettings(), turns: 0, characters: 0, sessionFile: nil, inputHistory: nil, hardware: "cpu-basic")
        #expect(cpu.text.contains("\nhardware: cpu-basic\n"))
        let none = ChatInfo(endpoint: "http://127.0.0.1:1", server: nil, settings: ChatSettings(), turns: 0, characters: 0, sessionFile: nil, inputHistory: nil)
        #expect(!none.text.contains("hardware"))
    }

    @Test("a Space whose chat endpoint has no model choice names no model")
    func noModelChoice() {
        var settings = ChatSettings()
        settings.modelChoices = []
        let info = ChatInfo(endpoint: "http://127.0.0.1:1/maxdemo", server: nil, settings: settings, turns: 0, characters: 0,
                            sessionFile: nil, inputHistory: nil, spaceDefaults: .init(model: nil, systemPrompt: nil, takesSystemPrompt: false))
        #expect(info.text.split(separator: "\n").contains("model: the Space's own (its chat endpoint has no model choice)"))
    }
}
