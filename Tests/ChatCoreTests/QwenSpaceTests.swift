import TestSupport
import Testing
@testable import ChatCore
import GradioClient

@Suite("QwenSpace")
struct QwenSpaceTests {
    @Test func requestDataShape() throws {
        let data = QwenSpace.requestData(userTurn: "What is 2+2?", systemPrompt: "You are terse.", modelSize: "72B")
        #expect(data == [.string("What is 2+2?"), .array([]), .string("You are terse."), .string("72B")])
        // Exactly the data of the captured join.
        #expect(JSONValue.array(data).jsonText == #"["What is 2+2?",[],"You are terse.","72B"]"#)
        let capture = Fixtures.text("gradio-4.44.1/normal-stream.txt").split(separator: "\n")[1]
        #expect(try JSONValue.parse(String(capture))["data"] == .array(data))
        // Text is passed through untouched, newlines and all.
        let odd = QwenSpace.requestData(userTurn: "line1\n\"quoted\" 你好", systemPrompt: "", modelSize: "Coder-1.5B")
        #expect(odd[0] == .string("line1\n\"quoted\" 你好"))
        #expect(odd[2] == .string(""))
        #expect(odd[3] == .string("Coder-1.5B"))
    }

    @Test func constants() {
        #expect(QwenSpace.defaultURL == "https://qwen-qwen2-5.hf.space")
        #expect(QwenSpace.url(forSpaceID: "Qwen/Qwen2.5") == QwenSpace.defaultURL)
        #expect(QwenSpace.fallbackEndpoint == GradioEndpoint(apiName: "model_chat", fnIndex: 3, triggerID: 25))
        #expect(QwenSpace.apiName == "model_chat")
        #expect(QwenSpace.chatbotOutputIndex == 1)
        #expect(QwenSpace.modelSizes.contains(QwenSpace.defaultModelSize))
        #expect(QwenSpace.modelSizes.count == 12)
        #expect(QwenSpace.defaultSystemPrompt == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
    }

    @Test("canonicalModelSize is case-insensitive", arguments: [
        ("72B", "72B"), ("72b", "72B"), ("0.5b", "0.5B"), ("1.5B", "1.5B"), ("math-72b", "Math-72B"),
        ("MATH-7B", "Math-7B"), ("coder-1.5b", "Coder-1.5B"), ("CoDeR-7b", "Coder-7B"),
    ])
    func canonical(input: String, expected: String) {
        #expect(QwenSpace.canonicalModelSize(input) == expected)
    }

    @Test("unknown model sizes", arguments: ["", "72", "100B", " 72B", "72B ", "Math", "coder-72b", "qwen2.5-72b-instruct", "1,5B"])
    func unknownSize(input: String) {
        #expect(QwenSpace.canonicalModelSize(input) == nil)
    }

    @Test("every listed size is its own canonical form")
    func everySize() {
        for size in QwenSpace.modelSizes {
            #expect(QwenSpace.canonicalModelSize(size) == size)
            #expect(QwenSpace.canonicalModelSize(size.uppercased()) == size)
            #expect(QwenSpace.canonicalModelSize(size.lowercased()) == size)
        }
    }

    @Test("space id to URL", arguments: [
        ("Qwen/Qwen2.5", "https://qwen-qwen2-5.hf.space"),
        ("my_org/My_Space", "https://my-org-my-space.hf.space"),
        ("user/space-name", "https://user-space-name.hf.space"),
        ("A.B/C.D_E", "https://a-b-c-d-e.hf.space"),
        ("Qwen/Qwen2.5-Max-Demo", "https://qwen-qwen2-5-max-demo.hf.space"),
    ])
    func spaceURL(id: String, url: String) {
        #expect(QwenSpace.url(forSpaceID: id) == url)
    }

    @Test("invalid space ids", arguments: [
        "", "Qwen", "/Qwen2.5", "Qwen/", "/", "a/b/c", "a b/c", "Qwen/Qwen 2.5", "Qwen/Qwen2.5?x=1", "Qwen/Qwen2.5#x",
        "owner/näme", "https://huggingface.co/spaces/Qwen/Qwen2.5", "a:b/c", "a@b/c",
    ])
    func invalidSpaceID(id: String) {
        #expect(QwenSpace.url(forSpaceID: id) == nil)
    }

    @Test("queue status line", arguments: [
        (QueueStatus(position: 3, queueSize: 7, eta: 12.4), "queued: 3 of 7, about 12 s"),
        (QueueStatus(position: 3, queueSize: 7, eta: 12.5), "queued: 3 of 7, about 13 s"),
        (QueueStatus(position: 1, queueSize: 1, eta: 0.27631664276123047), "queued: 1 of 1"),
        (QueueStatus(position: 1, queueSize: 1, eta: 1), "queued: 1 of 1, about 1 s"),
        (QueueStatus(position: 3, queueSize: nil, eta: nil), "queued: 3"),
        (QueueStatus(position: 5, queueSize: 2, eta: nil), "queued: 5"),
        (QueueStatus(position: 2, queueSize: 9, eta: .infinity), "queued: 2 of 9"),
        (QueueStatus(position: 2, queueSize: 9, eta: .nan), "queued: 2 of 9"),
        (QueueStatus(position: 2, queueSize: 9, eta: -4), "queued: 2 of 9"),
        (QueueStatus(position: 2, queueSize: nil, eta: 90), "queued: 2, about 90 s"),
    ])
    func queueStatus(status: QueueStatus, line: String) {
        #expect(status.description == line)
        #expect(!status.description.contains("\n"))
    }

    @Test("model names: the Qwen2.5 sizes with their family, another Space's choices as spelled", arguments: [
        ("72B", "Qwen2.5-72B"), ("Coder-7B", "Qwen2.5-Coder-7B"), ("qwen-plus", "qwen-plus"), ("gpt-4o", "gpt-4o"),
    ])
    func modelDisplayName(model: String, shown: String) {
        #expect(QwenSpace.displayName(ofModel: model) == shown)
    }
}
